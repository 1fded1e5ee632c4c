"""The Jinja2 environment and the filters every page uses.

Autoescaping is on for every template and undefined names fail the build
(``StrictUndefined``): a page can never show a raw value by accident or silently
drop one. Data embedded for scripts goes through :func:`script_json`, which escapes
``<``, ``>``, ``&`` and U+2028/U+2029 so nothing in an entry can end the script block.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from domain.catalogue import COLUMNS, DESK_CATEGORIES, ENTRY_TYPE_NAMES
from domain.statements import Row


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


# The two rows every page has thousands of, written out here rather than in the
# templates: the same markup, escaped by the same ``markupsafe.escape`` autoescaping
# uses, without a template expression per cell (tests/publish/test_render_rows.py
# checks them against the template text they replace).
def statement_row(row: Row) -> Markup:
    """A statement table's ``<tr>``: cells, then the proof link and 红冲 notes."""
    reversed_by, reverses, entry = row.reversed_by, row.reverses, row.entry
    if reversed_by is not None:
        parts = ['<tr class="reversed">']
    elif reverses is not None:
        parts = ['<tr class="reversal">']
    else:
        parts = ["<tr>"]
    for item in row.cells:
        kind = escape(item.kind)
        value = escape(cell(item.kind, item.value))
        if reversed_by is not None:
            parts.append(f'<td class="{kind}"><del>{value}</del></td>')
        else:
            parts.append(f'<td class="{kind}">{value}</td>')
    parts.append('<td class="ref">')
    if entry is not None:
        index = escape(entry)
        parts.append(
            f'<a href="../../log/proofs/{index}.tlog-proof" '
            f'title="第 {index} 条的核验证明">#{index}</a>'
        )
    if reversed_by is not None:
        parts.append(f" 已被 #{escape(reversed_by)} 红冲（撤销）")
    if reverses is not None:
        parts.append(f" 红冲（撤销）#{escape(reverses)}")
    parts.append("</td></tr>")
    return Markup("".join(parts))  # noqa: S704 - every value escaped above


def desk_row(entry: Mapping[str, Any], up: str) -> Markup:
    """An enquiry-desk list's ``<tr>`` (``entry`` as ``publish.site`` lists it;
    ``up`` the path from the page to the project's folder)."""
    index = escape(entry["index"])
    if entry["reversed"]:
        opening = '    <tr class="reversed">'
        note = f"（已撤销，见第 {escape(entry['reversed_by'])} 条）"
    else:
        opening, note = "    <tr>", ""
    return Markup(  # noqa: S704 - every value escaped here
        f"{opening}\n"
        f'      <td class="num">{index}</td>\n'
        f'      <td class="date">{escape(entry["date"])}</td>\n'
        f'      <td class="text">{escape(entry["type_name"])}{note}</td>\n'
        f'      <td class="text">{escape(entry["summary"])}</td>\n'
        f'      <td class="ref"><a href="{escape(up)}log/proofs/{index}.tlog-proof" '
        f'title="第 {index} 条的核验证明">证明</a></td>\n'
        "    </tr>"
    )


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
        statement_row=statement_row,
        desk_row=desk_row,
    )
    env.globals.update(
        COLUMNS=COLUMNS, DESK_CATEGORIES=DESK_CATEGORIES, TYPE_NAMES=ENTRY_TYPE_NAMES
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
