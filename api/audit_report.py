"""What an audit prints and writes: terminal summary, HTML, JSON, Excel.

- the terminal summary is Chinese first, then English; progress bars go to stderr
  when it is a terminal (or with ``--progress``);
- the HTML report is one self-contained file (inline CSS, every value escaped by
  Jinja2's autoescape);
- the JSON report's format is in ``docs/formats.md`` §10;
- the Excel workbook has three sheets, ``entries``, ``statements`` and ``findings``,
  for auditors who work in spreadsheets.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from jinja2 import Environment, StrictUndefined

if TYPE_CHECKING:
    from api.audit_command import AuditReport

REPORT_FORMAT: Final = 1


class Progress:
    """Progress bars on stderr, one line per log, redrawn at most 10 times a second."""

    def __init__(self, *, enabled: bool, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._drawn = False

    def bar(self, label: str) -> Callable[[int, int], None]:
        def update(done: int, total: int) -> None:
            now = time.monotonic()
            if not self.enabled or (now - self._last < 0.1 and done < total):
                return
            self._last = now
            width = 30
            filled = width * done // total if total else width
            percent = 100 * done // total if total else 100
            self.stream.write(
                f"\r{label[-40:]:<40} [{'#' * filled}{'.' * (width - filled)}] "
                f"{percent:3d}% {done}/{total}"
            )
            self.stream.flush()
            self._drawn = True

        return update

    def done(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


# ====================================================================== terminal
def print_summary(report: AuditReport, stream: IO[str]) -> None:
    findings = report.all_findings()
    rate = report.entries_verified / report.seconds if report.seconds else 0.0
    stream.write(f"审计来源 / source: {report.source}\n")
    for log in report.logs:
        stream.write(
            f"  {log.origin}: 大小 size {log.size}，本次核验条目 entries verified "
            f"{log.entries_verified}，检查点 checkpoints {log.checkpoints_verified}，"
            f"发现 findings {len(log.findings)}\n"
        )
    stream.write(
        f"共核验 {report.entries_verified} 条，用时 {report.seconds:.1f} 秒 / "
        f"{report.entries_verified} entries verified in {report.seconds:.1f} s "
        f"({rate:,.0f}/s)\n"
    )
    if report.clean:
        stream.write("结论：未发现问题 / result: clean\n")
        return
    stream.write(
        f"结论：发现 {len(findings)} 个问题 / result: {len(findings)} findings\n"
    )
    for finding in findings[:50]:
        stream.write(
            f"  [{finding.code}] {finding.subject}: {finding.message_zh} / "
            f"{finding.message_en}\n"
        )
    if len(findings) > 50:
        stream.write(f"  … 另有 {len(findings) - 50} 个 / {len(findings) - 50} more\n")


# ====================================================================== JSON
def report_json(report: AuditReport) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "source": report.source,
        "started_at": report.started_at,
        "seconds": round(report.seconds, 3),
        "clean": report.clean,
        "entries_verified": report.entries_verified,
        "logs": [
            {
                "origin": log.origin,
                "size": log.size,
                "root": log.root.hex(),
                "entries_verified": log.entries_verified,
                "checkpoints_verified": log.checkpoints_verified,
                "findings": len(log.findings),
            }
            for log in report.logs
        ],
        "findings": [finding.to_json() for finding in report.all_findings()],
        "statements": [
            {
                "project_id": row.project_id,
                "template": row.template,
                "period": row.period,
                "key": row.key,
                "fen": row.fen,
                "page_fen": row.page_fen,
            }
            for row in report.statements
        ],
        "entries": [
            {
                "origin": row.origin,
                "index": row.index,
                "id": row.entry_id,
                "type": row.entry_type,
                "accepted_at": row.accepted_at,
                "key": row.key_ref,
                "leaf_hash": row.leaf_hash,
                "ok": row.ok,
            }
            for log in report.logs
            for row in log.entries
        ],
    }


def write_json(report: AuditReport, path: Path) -> None:
    path.write_text(
        json.dumps(report_json(report), ensure_ascii=False, indent=1) + "\n", "utf-8"
    )


# ====================================================================== HTML
_HTML: Final = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>审计报告 / audit report — {{ r.source }}</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.clean{color:#176a2d}.fail{color:#a11}.num{text-align:right}
pre{white-space:pre-wrap;margin:0;font-size:.8rem}
</style></head><body>
<h1>审计报告 <small>audit report</small></h1>
<p>来源 / source: <code>{{ r.source }}</code> · 开始 / started: {{ r.started_at }}
 · 用时 / time: {{ "%.1f"|format(r.seconds) }} s</p>
{% if r.clean %}<p class="clean"><strong>结论：未发现问题 / clean</strong></p>
{% else %}<p class="fail"><strong>结论：发现 {{ findings|length }} 个问题 /
{{ findings|length }} findings</strong></p>{% endif %}
<h2>日志 <small>logs</small></h2>
<table><tr><th>origin</th><th>大小 size</th><th>核验条目 entries</th>
<th>检查点 checkpoints</th><th>发现 findings</th><th>root</th></tr>
{% for log in r.logs %}<tr><td>{{ log.origin }}</td><td class="num">{{ log.size }}</td>
<td class="num">{{ log.entries_verified }}</td><td class="num">{{ log.checkpoints_verified }}</td>
<td class="num">{{ log.findings|length }}</td><td><code>{{ log.root.hex() }}</code></td></tr>
{% endfor %}</table>
{% if findings %}<h2>发现 <small>findings</small></h2>
<table><tr><th>code</th><th>对象 subject</th><th>说明 message</th><th>证据 evidence</th></tr>
{% for f in findings %}<tr><td>{{ f.code }}</td><td><code>{{ f.subject }}</code></td>
<td>{{ f.message_zh }}<br>{{ f.message_en }}</td>
<td>{% for k, v in f.evidence.items() %}<b>{{ k }}</b><pre>{{ v }}</pre>{% endfor %}</td></tr>
{% endfor %}</table>{% endif %}
{% if r.statements %}<h2>公示表合计 <small>statement totals</small></h2>
<table><tr><th>project</th><th>template</th><th>period</th><th>key</th>
<th>日志 log (元)</th><th>页面 page (元)</th></tr>
{% for s in r.statements %}<tr><td>{{ s.project_id }}</td><td>{{ s.template }}</td>
<td>{{ s.period }}</td><td>{{ s.key }}</td><td class="num">{{ yuan(s.fen) }}</td>
<td class="num">{{ yuan(s.page_fen) if s.page_fen is not none else "—" }}</td></tr>
{% endfor %}</table>{% endif %}
</body></html>
"""


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def write_html(report: AuditReport, path: Path) -> None:
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    template = environment.from_string(_HTML)
    html = template.render(r=report, findings=report.all_findings(), yuan=_yuan)
    path.write_text(html, "utf-8")


# ====================================================================== Excel
def write_xlsx(report: AuditReport, path: Path) -> None:
    """Three sheets (entries, statements, findings); written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    entries = workbook.create_sheet("entries")
    entries.append(
        ["origin", "index", "id", "type", "accepted_at", "key", "leaf_hash", "ok"]
    )
    for log in report.logs:
        for row in log.entries:
            entries.append(
                [
                    row.origin,
                    row.index,
                    row.entry_id,
                    row.entry_type,
                    row.accepted_at,
                    row.key_ref,
                    row.leaf_hash,
                    row.ok,
                ]
            )
    statements = workbook.create_sheet("statements")
    statements.append(
        ["project_id", "template", "period", "key", "fen", "yuan", "page_fen"]
    )
    for s in report.statements:
        statements.append(
            [s.project_id, s.template, s.period, s.key, s.fen, s.fen / 100, s.page_fen]
        )
    findings = workbook.create_sheet("findings")
    findings.append(
        ["code", "severity", "subject", "message_zh", "message_en", "evidence"]
    )
    for f in report.all_findings():
        findings.append(
            [
                f.code,
                f.severity,
                f.subject,
                f.message_zh,
                f.message_en,
                json.dumps(f.evidence, ensure_ascii=False)[:32000],
            ]
        )
    workbook.save(path)
