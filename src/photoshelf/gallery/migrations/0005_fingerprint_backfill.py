"""The lock row of near-duplicate checks, and fingerprints for images stored before them."""

from django.db import migrations


def forwards(apps, schema_editor):
    from photoshelf.gallery.near_duplicates import backfill

    apps.get_model("gallery", "IngestLock").objects.get_or_create(pk=1)
    done, skipped = backfill(apps.get_model("gallery", "Image"))
    if done or skipped:
        print(f"\n  fingerprinted {done} stored images ({skipped} without a readable thumbnail)")


class Migration(migrations.Migration):
    dependencies = [("gallery", "0004_image_phash_bands")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
