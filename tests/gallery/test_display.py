"""gallery.display: camera names as people say them, and exposure facts as photographers write them."""

import pytest

from photoshelf.gallery import display


@pytest.mark.parametrize(
    "make, model, expected",
    [
        ("NIKON CORPORATION", "NIKON D70", "Nikon D70"),
        ("Canon", "Canon EOS 40D", "Canon EOS 40D"),
        ("NIKON", "COOLPIX P6000", "Nikon COOLPIX P6000"),
        ("PENTAX Corporation", "PENTAX K10D", "Pentax K10D"),
        (
            "EASTMAN KODAK COMPANY",
            "KODAK CX7530 ZOOM DIGITAL CAMERA",
            "Kodak CX7530 ZOOM DIGITAL CAMERA",
        ),
        ("OLYMPUS IMAGING CORP.", "E-P3", "Olympus E-P3"),
        ("HMD Global", "Nokia 8.3 5G", "Nokia 8.3 5G"),
        ("Apple", "iPhone 11 Pro Max", "Apple iPhone 11 Pro Max"),
        ("Polyphony Digital Inc.", "Gran Turismo 5", "Polyphony Digital Inc. Gran Turismo 5"),
        ("", "DSC-100", "DSC-100"),
        ("SONY", "", "Sony"),
        ("", "", ""),
    ],
)
def test_it_names_cameras_the_way_people_say_them(make, model, expected):
    assert display.camera(make, model) == expected


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (1 / 160, "1/160 s"),
        (0.002557544757, "1/391 s"),
        (1 / 3, "1/3 s"),
        (0.4, "0.4 s"),
        (2.5, "2.5 s"),
        (30.0, "30 s"),
        (None, ""),
    ],
)
def test_it_writes_exposure_times_as_photographers_do(seconds, expected):
    assert display.exposure_time(seconds) == expected


def test_it_writes_the_exposure_line_of_the_image_page():
    line = display.summary(
        display.camera("Canon", "Canon EOS 40D"),
        "EF-S 18-55",
        display.exposure_time(1 / 160),
        display.aperture(7.1),
        display.iso(100),
        display.focal_length(23.0),
    )
    assert line == "Canon EOS 40D · EF-S 18-55 · 1/160 s · f/7.1 · ISO 100 · 23 mm"
    assert display.summary("", display.aperture(None), display.focal_length(4.25)) == "4.25 mm"


def test_it_writes_positions_as_coordinates():
    assert display.position(-33.865, 151.21) == "33.865000° S, 151.210000° E"
    assert display.position(None, 2.0) == ""
