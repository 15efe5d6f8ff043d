"""policy: names and the date-taken rules, as pure functions."""

from datetime import UTC, datetime, timedelta

import pytest

from photoshelf.core.refusals import Refusal
from photoshelf.ingest.metadata import TakenAt
from photoshelf.ingest.policy import check_taken_at, clean_name

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def taken(days_ago: float, offset: timedelta | None = None) -> TakenAt:
    return TakenAt(
        local=(NOW - timedelta(days=days_ago)).replace(tzinfo=None),
        offset=offset,
        source="DateTimeOriginal",
    )


@pytest.mark.parametrize(
    "name, filename, expected",
    [
        ("  Summer  ", "x.jpg", "Summer"),
        ("", "IMG_0001.JPG", "IMG_0001"),
        (None, "holiday.photo.heic", "holiday.photo"),
        ("   ", ".jpg", ".jpg"),
        ("Ünïcødé 写真 🎉", "x.jpg", "Ünïcødé 写真 🎉"),
        ("<script>alert(1)</script>", "x.jpg", "<script>alert(1)</script>"),
        ("a" * 200, "x.jpg", "a" * 200),
    ],
)
def test_clean_name(name, filename, expected):
    assert clean_name(name, filename) == expected


@pytest.mark.parametrize("name", ["a" * 201, "line\nbreak", "nul\x00", "rtl\u202eexe.jpg"])
def test_it_refuses_long_or_control_character_names(name):
    with pytest.raises(Refusal) as refused:
        clean_name(name, "x.jpg")
    assert refused.value.code == "invalid-name"


def test_a_recent_photo_passes():
    check_taken_at(taken(10), require=True, max_age_days=365, now=NOW)


def test_a_missing_date_is_refused_when_required():
    with pytest.raises(Refusal) as refused:
        check_taken_at(None, require=True, max_age_days=365, now=NOW)
    assert refused.value.code == "taken-at-missing"


def test_a_missing_date_passes_when_not_required():
    check_taken_at(None, require=False, max_age_days=365, now=NOW)


def test_an_old_photo_is_refused_with_the_date_found_and_the_limit():
    with pytest.raises(Refusal) as refused:
        check_taken_at(taken(400), require=True, max_age_days=365, now=NOW)
    assert refused.value.code == "taken-at-too-old"
    assert refused.value.extra["taken_at"].startswith("2025-10-21")
    assert refused.value.extra["max_age_days"] == 365
    assert "2025-10-21" in refused.value.detail and "365 days" in refused.value.detail


def test_the_age_rule_holds_even_when_a_date_is_not_required():
    with pytest.raises(Refusal):
        check_taken_at(taken(400), require=False, max_age_days=365, now=NOW)


def test_max_age_zero_means_no_limit():
    check_taken_at(taken(20 * 365), require=True, max_age_days=0, now=NOW)


def test_the_offset_decides_near_the_boundary():
    # 365 days minus one hour ago on the camera's clock, but the camera was 2 hours ahead of UTC:
    # the instant is 365 days plus one hour ago.
    with pytest.raises(Refusal):
        check_taken_at(
            taken(365 - 1 / 24, offset=timedelta(hours=2)), require=True, max_age_days=365, now=NOW
        )
    check_taken_at(taken(365 - 1 / 24), require=True, max_age_days=365, now=NOW)
