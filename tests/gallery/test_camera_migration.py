"""Migrating a database of images stored before the camera list existed lists their cameras."""

import pytest
from django.core.management import call_command
from django.db import connection

from photoshelf.gallery import library, queries
from photoshelf.ingest.incoming import IncomingFile
from tests.factories import scene


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_lists_the_cameras_of_the_images_already_stored(tmp_path):
    for n, (make, model) in enumerate(
        [
            ("Canon", "Canon EOS 40D"),
            ("Apple", "iPhone 8"),
            ("Canon", "Canon EOS 40D"),
            (None, None),
        ]
    ):
        path = tmp_path / f"before-{n}.jpg"
        path.write_bytes(scene(60 + n, make=make, model=model))
        library.store(IncomingFile.from_path(path))

    call_command("migrate", "gallery", "0007", verbosity=0)  # as before the camera list existed
    assert "gallery_camera" not in connection.introspection.table_names()
    call_command("migrate", "gallery", verbosity=0)

    assert queries.cameras() == [("Apple", "iPhone 8"), ("Canon", "Canon EOS 40D")]
