"""Every PHOTOSHELF_* variable the settings read is documented in docs/settings.md, and vice versa."""

import re

from tests.conftest import REPO


def test_every_setting_is_documented_in_docs_settings():
    source = (REPO / "src" / "photoshelf" / "settings.py").read_text()
    read = set(re.findall(r'"(PHOTOSHELF_[A-Z0-9_]+)"', source))
    page = (REPO / "docs" / "settings.md").read_text()
    documented = set(re.findall(r"^\| `(PHOTOSHELF_[A-Z0-9_]+)` \|", page, re.MULTILINE))
    assert read, "no settings found"
    assert read - documented == set(), "settings read but not documented in docs/settings.md"
    assert documented - read == set(), "settings documented in docs/settings.md but never read"
