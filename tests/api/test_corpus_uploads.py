"""Every file of the sample corpus, broken ones included, gets a 201 or a coded 4xx: never a 5xx."""

import pytest

from tests.conftest import CORPUS
from tests.factories import upload

pytestmark = pytest.mark.django_db

SAMPLES = sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_is_accepted_or_refused_with_a_code(client, settings, corpus, path):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    response = client.post("/api/images", {"file": upload(path.read_bytes(), path.name)})
    assert response.status_code == 201 or (
        400 <= response.status_code < 500 and response.json()["code"]
    ), response.content
    if path.suffix.lower() in {".jpg", ".jpeg", ".heic", ".heif"} and "invalid" not in path.parts:
        # real camera files decode; only the deliberately broken ones may be refused
        assert response.status_code in {201, 422}, (path, response.json())
