"""Migrating a database of images stored before fingerprints gives each of them one."""

import pytest
from django.core.management import call_command

from photoshelf.gallery import library, near_duplicates
from photoshelf.gallery.models import Image
from photoshelf.ingest.fingerprint import hamming
from photoshelf.ingest.incoming import IncomingFile
from tests.factories import scene


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_fingerprints_the_images_already_stored(tmp_path):
    path = tmp_path / "before.jpg"
    path.write_bytes(scene(51))
    image = library.store(IncomingFile.from_path(path))
    at_upload = image.phash_bands

    call_command("migrate", "gallery", "0003", verbosity=0)  # as before fingerprints existed
    call_command("migrate", "gallery", verbosity=0)

    backfilled = Image.objects.get(pk=image.pk).phash_bands
    assert None not in backfilled
    # From the stored JPEG thumbnail rather than its pixels: a bit or two may move.
    assert hamming(near_duplicates.join(backfilled), near_duplicates.join(at_upload)) <= 2
