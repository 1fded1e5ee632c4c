"""The pure core of shuangshai: formats, rules and the event-sourced ledger.

Nothing here imports FastAPI, Jinja2 or ``publish``; I/O happens only through the
``eventsourcing`` application in :mod:`domain.application`.
"""
