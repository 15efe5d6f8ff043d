"""Motion photos: the embedded MP4 found where the XMP says, and only when it is there."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from photoshelf.ingest import motion, steps
from tests.factories import motion_photo, mp4, photo


def processed(tmp_path, data: bytes) -> steps.Processed:
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    return steps.process(path, name="upload.jpg", max_pixels=200_000_000, rules=None)


@pytest.mark.parametrize("style", ["container", "microvideo"])
def test_the_video_is_found_where_the_xmp_says(tmp_path, style):
    video = mp4(b"frames" * 100)
    data = motion_photo(video, style=style)
    found = processed(tmp_path, data)
    assert found.opened.format == "JPEG"
    assert found.motion_video == motion.Video(len(data) - len(video), len(video))
    assert data[found.motion_video.start :] == video


def test_the_still_is_the_photo(tmp_path):
    found = processed(tmp_path, motion_photo(size=(320, 240)))
    assert (found.facts.width, found.facts.height) == (320, 240)


def test_an_xmp_pointing_at_no_video_is_a_still(tmp_path):
    data = motion_photo(b"not a video at all, just bytes" * 4)
    assert processed(tmp_path, data).motion_video is None


def test_a_photo_without_the_xmp_is_a_still_even_with_an_mp4_after_it(tmp_path):
    assert processed(tmp_path, photo() + mp4()).motion_video is None


@pytest.mark.parametrize("offset", ["0", "-5", "x", "99999999999", "8"])
def test_nonsense_offsets_are_a_still(tmp_path, offset):
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
        'rdf-syntax-ns#"><rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/'
        f'camera/" GCamera:MicroVideo="1" GCamera:MicroVideoOffset="{offset}"/></rdf:RDF>'
        "</x:xmpmeta>"
    )
    path = tmp_path / "upload.jpg"
    path.write_bytes(photo() + mp4())
    assert motion.find_video(path, xmp) is None


def test_hostile_xmp_is_a_still(tmp_path):
    path = tmp_path / "upload.jpg"
    path.write_bytes(photo() + mp4())
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert motion.find_video(path, bomb) is None
    assert motion.find_video(path, b"<unclosed") is None


def test_the_original_is_left_whole(tmp_path):
    data = motion_photo()
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    steps.process(path, name="x", max_pixels=200_000_000, rules=None)
    assert path.read_bytes() == data
    with Image.open(io.BytesIO(data)) as still:
        assert still.format == "JPEG"
