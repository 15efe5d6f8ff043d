"""Every test here runs on each database and each storage (see tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _on_every_backend(backend):
    return backend
