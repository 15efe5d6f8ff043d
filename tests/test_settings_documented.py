"""Every PHOTOSHELF_* variable the settings read is documented in the README, and vice versa."""

import re

from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    source = (REPO / "src" / "photoshelf" / "settings.py").read_text()
    read = set(re.findall(r'"(PHOTOSHELF_[A-Z0-9_]+)"', source))
    readme = (REPO / "README.md").read_text()
    documented = set(re.findall(r"^\| `(PHOTOSHELF_[A-Z0-9_]+)` \|", readme, re.MULTILINE))
    assert read, "no settings found"
    assert read - documented == set(), "settings read but not documented in README.md"
    assert documented - read == set(), "settings documented in README.md but never read"
