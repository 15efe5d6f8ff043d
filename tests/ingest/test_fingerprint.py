"""The perceptual fingerprint: 64 bits of the displayed pixels, stable under re-encoding."""

import io

from PIL import Image

from photoshelf.ingest.fingerprint import HASH_BITS, hamming, perceptual_hash
from tests.factories import reencoded, scene
from tests.ingest.near_duplicate_set import fingerprint_of, strip_jpeg_metadata


def pixels(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def test_it_is_a_64_bit_unsigned_integer():
    fingerprint = perceptual_hash(pixels(scene(1)))
    assert 0 <= fingerprint < 2**HASH_BITS
    assert HASH_BITS == 64


def test_it_is_the_same_for_the_same_pixels():
    assert perceptual_hash(pixels(scene(1))) == perceptual_hash(pixels(scene(1)))


def test_it_barely_moves_when_the_photo_is_resaved_smaller_or_stripped():
    original = scene(3)
    mine = fingerprint_of(original)
    assert hamming(mine, fingerprint_of(reencoded(original, quality=50))) <= 4
    assert hamming(mine, fingerprint_of(reencoded(original, scale=0.25, quality=80))) <= 4
    assert hamming(mine, fingerprint_of(reencoded(original, fmt="WEBP"))) <= 4
    assert hamming(mine, fingerprint_of(strip_jpeg_metadata(original))) == 0


def test_it_reads_the_photo_as_displayed_whatever_its_exif_orientation():
    upright = pixels(scene(4))
    turned = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90° left to display": stored turned a quarter right
    upright.transpose(Image.Transpose.ROTATE_270).save(turned, "JPEG", quality=90, exif=exif)
    plain = io.BytesIO()
    upright.save(plain, "JPEG", quality=90)
    assert hamming(fingerprint_of(turned.getvalue()), fingerprint_of(plain.getvalue())) <= 2


def test_distinct_photos_are_far_apart():
    fingerprints = [fingerprint_of(scene(seed)) for seed in range(6)]
    distances = [hamming(a, b) for i, a in enumerate(fingerprints) for b in fingerprints[i + 1 :]]
    assert min(distances) > 16
