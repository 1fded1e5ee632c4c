"""The Jinja2 environment and the filters every page uses.

Autoescaping is on for every template and undefined names fail the build
(``StrictUndefined``): a page can never show a raw value by accident or silently
drop one. Data embedded for scripts goes through :func:`script_json`, which escapes
``<``, ``>``, ``&`` and U+2028/U+2029 so nothing in an entry can end the script block.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from domain.catalogue import COLUMNS, DESK_CATEGORIES, ENTRY_TYPE_NAMES


def yuan(fen: int) -> str:
    """Money for people: integer fen as ¥1,234.56 (-¥1,234.56 when negative).

    The minus is ASCII ``-`` so a figure copied into a spreadsheet stays a number.
    """
    if type(fen) is not int:
        raise TypeError(f"money must be integer fen, not {fen!r}")  # programming error
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def count(value: int) -> str:
    return f"{value:,}"


def ratio(basis_points: int) -> str:
    whole, rest = divmod(basis_points, 100)
    return f"{whole}.{rest:02d}%"


def cell(kind: str, value: Any) -> str:
    """A statement cell as text, by kind (see ``domain.statements.Cell``)."""
    if value is None:
        return "—"
    if kind == "money":
        return yuan(value)
    if kind == "count":
        return count(value)
    if kind == "ratio":
        return ratio(value)
    return str(value)


def script_json(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above: no markup can survive


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        yuan=yuan,
        count=count,
        ratio=ratio,
        cell_value=lambda value, kind: cell(kind, value),
        script_json=script_json,
    )
    env.globals.update(
        COLUMNS=COLUMNS, DESK_CATEGORIES=DESK_CATEGORIES, TYPE_NAMES=ENTRY_TYPE_NAMES
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
