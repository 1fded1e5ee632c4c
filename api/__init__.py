"""Adapters: the ``shuangshai`` CLI and (later) the HTTP API."""
