"""The measured curve behind PHOTOSHELF_NEAR_DUPLICATE_DISTANCE, on a labelled evaluation set.

Positives: every corpus photo and 24 synthetic ones re-encoded at JPEG quality 95/75/50, as PNG
and WebP, downscaled to 50% and 25%, stripped of EXIF, rotated by EXIF vs by pixels, and the
corpus's own orientation samples. Negatives: every pair of distinct photos. Crops cutting away
more than 20% of the area count as different photos (a new picture made from the old one).
The curve is written to tests-artifacts/near-duplicates-curve.txt.
"""

import pytest
from django.conf import settings

from tests.conftest import REPO
from tests.ingest import near_duplicate_set

RECALL_TARGET = 0.99
CROPS_REFUSED_AT_MOST = 0.01  # share of >20% crops refused as copies


@pytest.fixture(scope="module")
def evaluation(request):
    corpus = REPO.parent / "shared" / "corpus" / "exif-samples"
    if not corpus.is_dir():
        pytest.skip(f"the sample corpus is not at {corpus} (it lives in the shared/ folder)")
    built = near_duplicate_set.build(corpus)
    rows = near_duplicate_set.curve(built, range(0, 25))
    artifacts = REPO / "tests-artifacts"
    artifacts.mkdir(exist_ok=True)
    lines = [
        f"{len(built.positives)} positive pairs, {len(built.negatives)} distinct pairs, "
        f"{len(built.crops)} crops; same-capture HDR pair: {built.same_capture}",
        "distance  recall  false-positive-rate  crops-refused",
    ]
    lines += [f"{d:>8}  {r:.4f}  {f:.5f}  {c:.3f}" for d, r, f, c in rows]
    (artifacts / "near-duplicates-curve.txt").write_text("\n".join(lines) + "\n")
    return built, rows


def at_default(rows):
    return next(row for row in rows if row[0] == settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE)


def test_the_set_holds_every_kind_of_positive_and_enough_distinct_pairs(evaluation):
    built, _ = evaluation
    kinds = {pair.kind for pair in built.positives}
    assert kinds >= {
        "jpeg-q95",
        "jpeg-q75",
        "jpeg-q50",
        "png",
        "webp",
        "downscale-50",
        "downscale-25",
        "exif-stripped",
        "rotated-exif-vs-pixels",
    }
    assert len(built.positives) > 1000
    assert len(built.negatives) > 5000


def test_recall_at_the_default_distance_reaches_the_target(evaluation):
    _, rows = evaluation
    _, recall, _, _ = at_default(rows)
    assert recall >= RECALL_TARGET


def test_no_distinct_photos_are_taken_for_copies_at_the_default_distance(evaluation):
    built, _ = evaluation
    distance = settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE
    assert [pair for pair in built.negatives if pair.distance <= distance] == []


def test_crops_of_more_than_a_fifth_are_mostly_accepted_as_new_photos(evaluation):
    _, rows = evaluation
    _, _, _, refused = at_default(rows)
    assert refused <= CROPS_REFUSED_AT_MOST


def test_the_default_is_the_smallest_distance_that_reaches_the_recall_target(evaluation):
    _, rows = evaluation
    smallest = next(d for d, recall, _, _ in rows if recall >= RECALL_TARGET)
    assert smallest == settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE
