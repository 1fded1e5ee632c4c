"""The table rows written in Python (publish/render.py: statement_row, desk_row) give
exactly the markup of the template text they replaced, for any values — markup,
quotes and ampersands included (they must come out escaped, as autoescaping did)."""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import given
from hypothesis import strategies as st

from domain.statements import Cell, CellKind, Row
from publish.render import environment

# The template text the filters replaced, verbatim (statement.html, desk.html).
STATEMENT_ROWS = """\
  {% for row in rows %}
<tr{% if row.reversed_by is not none %} class="reversed"{% elif row.reverses is not none %} class="reversal"{% endif %}>{% for c in row.cells %}<td class="{{ c.kind }}">{% if row.reversed_by is not none %}<del>{{ c.value | cell_value(c.kind) }}</del>{% else %}{{ c.value | cell_value(c.kind) }}{% endif %}</td>{% endfor %}<td class="ref">{% if row.entry is not none %}<a href="../../log/proofs/{{ row.entry }}.tlog-proof" title="第 {{ row.entry }} 条的核验证明">#{{ row.entry }}</a>{% endif %}{% if row.reversed_by is not none %} 已被 #{{ row.reversed_by }} 红冲（撤销）{% endif %}{% if row.reverses is not none %} 红冲（撤销）#{{ row.reverses }}{% endif %}</td></tr>
  {% endfor %}
"""
STATEMENT_ROWS_NOW = """\
  {% for row in rows %}
{{ row | statement_row }}
  {% endfor %}
"""
DESK_ROWS = """\
  {% for e in entries %}
    <tr{% if e.reversed %} class="reversed"{% endif %}>
      <td class="num">{{ e.index }}</td>
      <td class="date">{{ e.date }}</td>
      <td class="text">{{ e.type_name }}{% if e.reversed %}（已撤销，见第 {{ e.reversed_by }} 条）{% endif %}</td>
      <td class="text">{{ e.summary }}</td>
      <td class="ref"><a href="{{ up }}log/proofs/{{ e.index }}.tlog-proof" title="第 {{ e.index }} 条的核验证明">证明</a></td>
    </tr>
  {% endfor %}
"""
DESK_ROWS_NOW = """\
  {% for e in entries %}
{{ e | desk_row(up) }}
  {% endfor %}
"""

texts = st.text(alphabet=st.sampled_from("a<>&\"'{}#%；红冲 \n\t\u2028"), max_size=12)
indices = st.none() | st.integers(0, 10**7)


def _value(kind: str) -> st.SearchStrategy[Any]:
    if kind in ("money", "count", "ratio"):
        return st.none() | st.integers(-(10**9), 10**9)
    return st.none() | texts


cells = st.sampled_from(get_args(CellKind)).flatmap(
    lambda kind: _value(kind).map(lambda value: Cell(kind, value))
)
rows = st.builds(
    Row,
    cells=st.lists(cells, max_size=6).map(tuple),
    entry=indices,
    reversed_by=indices,
    reverses=indices,
)
desk_entries = st.fixed_dictionaries(
    {
        "index": st.integers(0, 10**7),
        "date": texts,
        "type_name": texts,
        "summary": texts,
        "reversed": st.booleans(),
        "reversed_by": indices,
    }
)


@given(st.lists(rows, max_size=5))
def test_statement_rows_are_the_templates(table: list[Row]) -> None:
    env = environment()
    assert env.from_string(STATEMENT_ROWS_NOW).render(rows=table) == env.from_string(
        STATEMENT_ROWS
    ).render(rows=table)


@given(st.lists(desk_entries, max_size=5), st.sampled_from(["../", "../../", "<&>"]))
def test_desk_rows_are_the_templates(entries: list[dict[str, Any]], up: str) -> None:
    env = environment()
    assert env.from_string(DESK_ROWS_NOW).render(
        entries=entries, up=up
    ) == env.from_string(DESK_ROWS).render(entries=entries, up=up)


def test_the_templates_use_the_row_filters() -> None:
    env = environment()
    assert env.loader is not None
    statement = env.loader.get_source(env, "statement.html")[0]
    desk = env.loader.get_source(env, "desk.html")[0]
    assert STATEMENT_ROWS_NOW.replace("rows", "table.rows", 1) in statement
    assert DESK_ROWS_NOW in desk
