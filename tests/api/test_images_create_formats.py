"""POST /api/images with each of the 13 types the seed's app accepted, each built fresh here:
stored with its true dimensions, served as its own type, with a thumbnail a browser shows (a
JPEG of the same picture)."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw, ImageStat

from photoshelf.gallery.models import Image
from tests.factories import (
    animation,
    dng,
    exif_block,
    exr,
    jxl,
    linear_from_srgb,
    motion_photo,
    mp4,
    recently,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.backends("sqlite-local", "postgresql-s3")]

SIZE = (150, 100)  # not square: width and height cannot be swapped unnoticed


def picture() -> PILImage.Image:
    """Dark and light shapes on a gradient: a thumbnail of the wrong picture (or of none) shows."""
    image = PILImage.linear_gradient("L").resize(SIZE).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 60, 90), fill=(200, 30, 30))
    draw.ellipse((80, 20, 140, 80), fill=(20, 40, 220))
    return image


def saved(fmt: str, image: PILImage.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def sun_raster(image: PILImage.Image) -> bytes:
    """A 24-bit Sun raster (Pillow reads the format but cannot write it): a 32-byte header,
    then BGR rows padded to 16 bits."""
    width, height = image.size
    row = image.convert("RGB").tobytes("raw", "BGR", 0, 1)
    stride = width * 3 + (width * 3) % 2
    rows = b"".join(
        row[y * width * 3 : (y + 1) * width * 3].ljust(stride, b"\0") for y in range(height)
    )
    header = struct.pack(">8I", 0x59A66A95, width, height, 24, len(rows), 1, 0, 0)
    return header + rows


def openexr(image: PILImage.Image) -> bytes:
    """Half-float scene-linear RGB, as renderers write it: the picture's sRGB made linear."""
    return exr({"RGB": linear_from_srgb(image).astype(np.float16)})


# The seed's extensions -> (bytes of a fresh file, Pillow format stored, Content-Type served).
SEED_TYPES = {
    ".rgb": (lambda: saved("SGI", picture()), "SGI", "image/sgi"),
    ".gif": (lambda: saved("GIF", picture()), "GIF", "image/gif"),
    ".pbm": (lambda: saved("PPM", picture().convert("1")), "PPM", "image/x-portable-anymap"),
    ".pgm": (lambda: saved("PPM", picture().convert("L")), "PPM", "image/x-portable-anymap"),
    ".ppm": (lambda: saved("PPM", picture()), "PPM", "image/x-portable-anymap"),
    ".tiff": (lambda: saved("TIFF", picture(), compression="tiff_lzw"), "TIFF", "image/tiff"),
    ".rast": (lambda: sun_raster(picture()), "SUN", "application/octet-stream"),
    ".xbm": (lambda: saved("XBM", picture().convert("1")), "XBM", "image/xbm"),
    ".jpeg": (lambda: saved("JPEG", picture(), quality=95), "JPEG", "image/jpeg"),
    ".bmp": (lambda: saved("BMP", picture()), "BMP", "image/bmp"),
    ".png": (lambda: saved("PNG", picture()), "PNG", "image/png"),
    ".webp": (lambda: saved("WEBP", picture(), lossless=True), "WEBP", "image/webp"),
    ".exr": (lambda: openexr(picture()), "EXR", "image/x-exr"),
}


def shown_as(extension: str) -> PILImage.Image:
    """The picture as the format can hold it: black and white, grey or a palette."""
    image = picture()
    if extension in {".pbm", ".xbm"}:
        return image.convert("1").convert("RGB")
    if extension == ".pgm":
        return image.convert("L").convert("RGB")
    if extension == ".gif":
        return image.quantize(256).convert("RGB")
    return image


@pytest.fixture(autouse=True)
def _undated_files_allowed(settings):
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False  # most of these formats cannot carry a date


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_seed_types_are_exactly_its_thirteen():
    assert len(SEED_TYPES) == 13


@pytest.mark.parametrize("extension", SEED_TYPES)
def test_each_seed_type_is_stored_with_its_size_type_and_a_thumbnail_of_it(client, extension):
    make, fmt, content_type = SEED_TYPES[extension]
    data = make()
    response = client.post("/api/images", {"file": upload(data, f"picture{extension}")})
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["format"], answer["content_type"]) == (fmt, content_type)
    assert (answer["width"], answer["height"]) == SIZE

    original = client.get(answer["original_url"])
    assert original["Content-Type"] == content_type and body(original) == data

    thumbnail = client.get(answer["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    with PILImage.open(io.BytesIO(body(thumbnail))) as shown:
        assert (shown.format, shown.mode, shown.size) == ("JPEG", "RGB", SIZE)
        expected = shown_as(extension)
        difference = ImageStat.Stat(ImageChops.difference(shown.convert("RGB"), expected))
        assert max(difference.mean) < 12, difference.mean  # the same picture, JPEG-encoded


def test_the_stored_record_matches_the_answer(client):
    make, _, _ = SEED_TYPES[".exr"]
    response = client.post("/api/images", {"file": upload(make(), "render.exr")})
    image = Image.objects.get(pk=response.json()["id"])
    assert (image.format, image.extension, image.width, image.height) == ("EXR", "exr", *SIZE)


@pytest.mark.parametrize(
    "fmt, content_type", [("GIF", "image/gif"), ("WEBP", "image/webp"), ("PNG", "image/png")]
)
def test_an_animation_is_stored_whole_marked_animated_with_its_first_frame_as_thumbnail(
    client, fmt, content_type
):
    data = animation(fmt, size=(150, 100))
    answer = client.post("/api/images", {"file": upload(data, "loop.bin")}).json()
    assert (answer["format"], answer["content_type"], answer["animated"]) == (
        fmt,
        content_type,
        True,
    )
    assert (answer["width"], answer["height"]) == SIZE
    served_bytes = body(client.get(answer["original_url"]))
    assert served_bytes == data
    with PILImage.open(io.BytesIO(served_bytes)) as served:
        assert served.n_frames == 3  # the animation is served as uploaded, every frame
    with PILImage.open(io.BytesIO(body(client.get(answer["thumbnail_url"])))) as thumbnail:
        red, green, blue = thumbnail.convert("RGB").getpixel((75, 50))
    assert red > 200 and green < 60 and blue < 60  # the first frame


def test_still_images_are_not_animated(client):
    make, _, _ = SEED_TYPES[".gif"]
    assert (
        client.post("/api/images", {"file": upload(make(), "still.gif")}).json()["animated"]
        is False
    )


def test_a_jpeg_xl_is_stored_with_its_size_camera_and_date(client):
    taken = recently(days=2)
    data = jxl(picture(), exif=exif_block(taken=taken, make="Canon", model="Canon EOS R5"))
    answer = client.post("/api/images", {"file": upload(data, "IMG_1.JXL")}).json()
    assert (answer["format"], answer["content_type"]) == ("JXL", "image/jxl")
    assert (answer["width"], answer["height"]) == SIZE
    assert (answer["camera_make"], answer["camera_model"]) == ("Canon", "Canon EOS R5")
    assert answer["taken_at"] == taken.isoformat()
    assert client.get(answer["original_url"])["Content-Type"] == "image/jxl"
    with PILImage.open(io.BytesIO(body(client.get(answer["thumbnail_url"])))) as shown:
        difference = ImageStat.Stat(ImageChops.difference(shown.convert("RGB"), picture()))
    assert max(difference.mean) < 12


def test_a_dng_is_stored_with_the_cameras_size_and_facts_not_its_thumbnails(client):
    taken = recently(days=3)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
        b'rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        b'exif:DateTimeOriginal="' + taken.isoformat().encode() + b'"/></rdf:RDF></x:xmpmeta>'
    )
    data = dng((1800, 1200), make="Google", model="Pixel 9", orientation=6, xmp=xmp)
    response = client.post("/api/images", {"file": upload(data, "PXL_0001.DNG")})
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["format"], answer["content_type"]) == ("DNG", "image/x-adobe-dng")
    assert (answer["width"], answer["height"]) == (1200, 1800)
    assert (answer["camera_make"], answer["camera_model"]) == ("Google", "Pixel 9")
    assert answer["taken_at"] == taken.isoformat()
    assert body(client.get(answer["original_url"])) == data
    with PILImage.open(io.BytesIO(body(client.get(answer["thumbnail_url"])))) as shown:
        assert shown.size == (267, 400)
        red, green, blue = shown.convert("RGB").getpixel((130, 200))
    assert (
        abs(red - green) < 20 and abs(green - blue) < 20
    )  # the sensor's grey, not the red thumbnail


def test_a_motion_photo_is_accepted_as_its_still_and_stored_whole(client):
    data = motion_photo(size=(150, 100), taken=recently(days=1))
    answer = client.post("/api/images", {"file": upload(data, "PXL_MP.jpg")}).json()
    assert (answer["format"], answer["motion_photo"], answer["animated"]) == ("JPEG", True, False)
    assert (answer["width"], answer["height"]) == SIZE
    assert body(client.get(answer["original_url"])) == data


@pytest.mark.parametrize("brand", [b"qt  ", b"mp42", b"isom"])
def test_a_video_alone_is_not_an_image(client, brand):
    response = client.post("/api/images", {"file": upload(mp4(brand=brand), "IMG_0001.MOV")})
    assert response.status_code == 415 and response.json()["code"] == "not-an-image"
