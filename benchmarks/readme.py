"""`--readme`: a benchmark's latest table written into README.md between its two markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def write_between(part: str, text: str) -> None:
    """Replace what README.md holds between `<!-- {part}:start -->` and `<!-- {part}:end -->`."""
    start_mark, end_mark = f"<!-- {part}:start -->", f"<!-- {part}:end -->"
    readme = README.read_text()
    start, end = readme.index(start_mark) + len(start_mark), readme.index(end_mark)
    README.write_text(readme[:start] + "\n" + text.rstrip("\n") + "\n" + readme[end:])
