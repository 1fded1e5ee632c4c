"""What an audit reports: one :class:`Finding` per thing that is not as it should be.

A finding is evidence, not an exception: an audit keeps going after one, so that the
report lists every problem in one run. Each names the object it is about in a form an
auditor can open (a path in the published site, ``<origin>#<index>`` for an entry,
``<origin>@<size>`` for a checkpoint) and carries the evidence as short strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: How bad a finding is: an ``error`` makes the audit fail (exit code 1), a
#: ``warning`` is reported but does not (e.g. an attachment that is not published).
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One audit finding.

    ``code`` is a stable kebab-case identifier (``checkpoint-signature``,
    ``inclusion``, ``entry-signature``, ``page-differs`` …) that tests and
    spreadsheets filter on; ``subject`` names the object (see the module docstring);
    ``message_zh``/``message_en`` say what is wrong in plain words; ``evidence``
    holds what an auditor needs to check the claim (expected vs found, both
    checkpoints of an equivocation …).
    """

    code: str
    subject: str
    message_zh: str
    message_en: str
    severity: Severity = "error"
    evidence: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "subject": self.subject,
            "severity": self.severity,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "evidence": dict(self.evidence),
        }
