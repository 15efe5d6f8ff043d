"""What an import did: a line per file (CSV or JSON lines) and the running counts of the summary."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import TextIO

from photoshelf.core.refusals import REFUSALS

from .worker import ACCEPTED, DUPLICATE, ERROR, PRESENT, REFUSED, WOULD_ACCEPT, Result

FIELDS = ("path", "outcome", "code", "image_id", "duplicate_of", "reason")
OUTCOME_LABELS = {
    ACCEPTED: "accepted",
    WOULD_ACCEPT: "would be accepted",
    PRESENT: "already present",
    DUPLICATE: "duplicate",
    REFUSED: "refused",
    ERROR: "failed",
}


class ReportWriter:
    """One line per file, flushed at once, so a killed import still leaves a readable report.

    `.csv` writes CSV with a header row; any other name writes JSON lines.
    """

    def __init__(self, path: Path) -> None:
        self.file: TextIO = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self.csv = csv.writer(self.file) if path.suffix.lower() == ".csv" else None
        if self.csv:
            self.csv.writerow(FIELDS)

    def write(self, result: Result) -> None:
        row = {
            "path": str(result.path),
            "outcome": result.outcome,
            "code": result.code,
            "image_id": result.image_id,
            "duplicate_of": result.duplicate_of,
            "reason": result.reason,
        }
        if self.csv:
            self.csv.writerow(["" if row[f] is None else row[f] for f in FIELDS])
        else:
            self.file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class Tally:
    """Running counts by outcome and by code: what the progress line and the summary show."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.files = 0
        self.bytes = 0

    def add(self, result: Result) -> None:
        self.files += 1
        self.bytes += result.size
        self.outcomes[result.outcome] += 1
        if result.outcome in (REFUSED, ERROR):
            self.codes[result.code] += 1

    @property
    def errors(self) -> int:
        return self.outcomes[ERROR]

    def counts_text(self) -> str:
        """`12 accepted, 3 already present, 2 refused (not-an-image 2)`: outcomes seen so far."""
        parts = []
        for outcome, label in OUTCOME_LABELS.items():
            if self.outcomes[outcome]:
                parts.append(f"{self.outcomes[outcome]} {label}{self._codes_of(outcome)}")
        return ", ".join(parts) or "nothing yet"

    def _codes_of(self, outcome: str) -> str:
        if outcome not in (REFUSED, ERROR):
            return ""
        seen = sorted(
            (code, n) for code, n in self.codes.items() if _outcome_of_code(code) == outcome
        )
        return " (" + ", ".join(f"{code} {n}" for code, n in seen) + ")" if seen else ""


def _outcome_of_code(code: str) -> str:
    return REFUSED if code in REFUSALS else ERROR
