"""`--write-docs`: a benchmark's latest table written into docs/benchmarks.md between its markers."""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_between(part: str, text: str) -> None:
    """Replace what the page holds between `<!-- {part}:start -->` and `<!-- {part}:end -->`."""
    start_mark, end_mark = f"<!-- {part}:start -->", f"<!-- {part}:end -->"
    page = PAGE.read_text()
    start, end = page.index(start_mark) + len(start_mark), page.index(end_mark)
    PAGE.write_text(page[:start] + "\n" + text.rstrip("\n") + "\n" + page[end:])
