"""One row per stored image: what the gallery and the API show, and where its bytes are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone

from photoshelf.core.sizes import SIZES
from photoshelf.storage.keys import original_key, rendition_key

from . import display


class Image(models.Model):
    name = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)  # as the client sent it, for downloads
    sha256 = models.CharField(max_length=64, unique=True)  # the exact-duplicate rule
    format = models.CharField(max_length=16)  # Pillow's format name: JPEG, HEIF, PNG, ...
    content_type = models.CharField(max_length=64)
    extension = models.CharField(max_length=8)
    file_size = models.BigIntegerField()  # bytes
    width = models.PositiveIntegerField()  # as displayed, EXIF orientation applied
    height = models.PositiveIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    # An animated GIF, WebP or APNG: the renditions show its first frame, the page the original.
    animated = models.BooleanField(default=False)
    # A motion photo: where its MP4 lies in the original (bytes), or null for a still.
    motion_video_start = models.BigIntegerField(null=True, blank=True)
    motion_video_length = models.BigIntegerField(null=True, blank=True)
    camera_make = models.CharField(max_length=255, blank=True)
    camera_model = models.CharField(max_length=255, blank=True)
    # The instant taken (UTC; the camera's clock read as UTC when it recorded no offset),
    # the offset it recorded ("+02:00", or "" when none), and the EXIF tag it came from.
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_at_offset = models.CharField(max_length=6, blank=True)
    taken_at_source = models.CharField(max_length=32, blank=True)
    taken_at_offset_source = models.CharField(max_length=32, blank=True)  # "" when no offset
    lens_model = models.CharField(max_length=255, blank=True)
    focal_length_mm = models.FloatField(null=True, blank=True)
    f_number = models.FloatField(null=True, blank=True)
    exposure_time_s = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    gps_latitude = models.FloatField(null=True, blank=True)  # decimal degrees, north positive
    gps_longitude = models.FloatField(null=True, blank=True)  # decimal degrees, east positive
    uploaded_at = models.DateTimeField(default=django_timezone.now)
    # The 64-bit perceptual fingerprint, split into bands (near_duplicates.BAND_BITS) that each
    # lead an index (Meta): the near-duplicate lookup matches bands exactly, then checks the distance.
    # Small non-negative ints, so no backend meets an unsigned 64-bit value. Null: not computed.
    phash_band_0 = models.IntegerField(null=True, blank=True)
    phash_band_1 = models.IntegerField(null=True, blank=True)
    phash_band_2 = models.IntegerField(null=True, blank=True)
    # Who uploaded it: may delete it. NULL for images stored before accounts existed, and
    # after the uploader's account was removed: then only administrators may delete it.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="images",
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        # One index per sort order of gallery/queries.py (walked backwards for ascending
        # orders), and the same orders within one camera, so every page is one index range.
        indexes = [
            models.Index(fields=["-uploaded_at", "-id"], name="image_newest_first"),
            models.Index(fields=["-taken_at", "-id"], name="image_taken_newest_first"),
            models.Index(
                fields=["camera_make", "camera_model", "-uploaded_at", "-id"],
                name="image_camera_newest_first",
            ),
            models.Index(
                fields=["camera_make", "camera_model", "-taken_at", "-id"],
                name="image_camera_taken_newest",
            ),
            # Near-duplicate candidates by one band, read from the index alone (the other
            # bands ride along): no table lookup per candidate.
            models.Index(
                fields=["phash_band_0", "phash_band_1", "phash_band_2"], name="image_phash_band_0"
            ),
            models.Index(
                fields=["phash_band_1", "phash_band_0", "phash_band_2"], name="image_phash_band_1"
            ),
            models.Index(
                fields=["phash_band_2", "phash_band_0", "phash_band_1"], name="image_phash_band_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"

    @property
    def original_key(self) -> str:
        return original_key(self.sha256, self.extension)

    def rendition_key(self, size_name: str) -> str:
        return rendition_key(self.sha256, size_name, SIZES[size_name].extension)

    def storage_keys(self) -> list[str]:
        return [self.original_key, *(self.rendition_key(name) for name in SIZES)]

    @property
    def phash_bands(self) -> tuple[int | None, ...]:
        return (self.phash_band_0, self.phash_band_1, self.phash_band_2)

    @property
    def preview_size(self) -> tuple[int, int]:
        """The preview's pixel size (it is never larger than the original), for srcset."""
        longest = SIZES["preview"].longest_side
        scale = min(1.0, longest / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def camera(self) -> str:
        """Make and model as people say them ("Nikon D70"), see gallery/display.py."""
        return display.camera(self.camera_make, self.camera_model)

    @property
    def is_motion_photo(self) -> bool:
        return self.motion_video_start is not None and self.motion_video_length is not None

    @property
    def has_position(self) -> bool:
        return self.gps_latitude is not None and self.gps_longitude is not None

    @property
    def taken_at_local(self) -> datetime | None:
        """The camera's wall-clock time, with its offset attached when one was recorded."""
        if self.taken_at is None:
            return None
        if not self.taken_at_offset:
            return self.taken_at.astimezone(UTC).replace(tzinfo=None)
        sign = -1 if self.taken_at_offset.startswith("-") else 1
        hours, minutes = self.taken_at_offset[1:].split(":")
        offset = timedelta(hours=int(hours), minutes=int(minutes)) * sign
        return self.taken_at.astimezone(timezone(offset))


class Camera(models.Model):
    """Each (make, model) pair ever stored, recorded with the image: the camera filter lists
    these (those that still have photos) in one query, whatever the number of photos."""

    make = models.CharField(max_length=255, blank=True)
    model = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["make", "model"], name="camera_once")]

    def __str__(self) -> str:
        return f"{self.make} {self.model}".strip()

    @classmethod
    def remember(cls, pairs) -> None:
        """Record (make, model) pairs; those known already, or empty, are left alone."""
        new = {(make, model) for make, model in pairs if make or model}
        if new:
            cls.objects.bulk_create(
                [cls(make=make, model=model) for make, model in new], ignore_conflicts=True
            )


class PendingDeletion(models.Model):
    """A stored file that must go but could not be deleted (the storage was down at the time).

    Swept by later uploads and by `photoshelf check --repair`, once the storage answers again.
    """

    key = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64)  # kept when a row with these bytes exists by then
    created_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self) -> str:
        return self.key


class IngestLock(models.Model):
    """One row that uploads lock while they check for near-duplicates and insert.

    A near-duplicate is a different file, so no unique constraint can stop two of them arriving
    together: holding this row's lock (SELECT ... FOR UPDATE; SQLite's IMMEDIATE transactions
    serialize writers anyway) across "look up, then insert" makes the second one see the first.
    """

    class Meta:
        db_table = "gallery_ingest_lock"

    def __str__(self) -> str:
        return f"ingest lock {self.pk}"


class UploadInFlight(models.Model):
    """An upload between its first file and its row: which files it writes, and who writes them.

    Committed before the first file is written and deleted in the transaction that inserts the
    image (or once a refused upload's files are gone), so a row left here belongs to a process
    that died midway; gallery/in_flight.py sweeps what it wrote. `host`, `pid` and `started`
    name the process, so one on this machine can be proven dead; the lease covers the others.
    """

    sha256 = models.CharField(max_length=64)
    keys = models.TextField()  # the storage keys it writes, one a line
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started = models.CharField(max_length=32, blank=True)  # the process's start time, "" unknown
    lease_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        db_table = "gallery_upload_in_flight"
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return f"upload {self.pk} of {self.sha256[:12]} by {self.host}:{self.pid}"

    @property
    def key_list(self) -> list[str]:
        return [key for key in self.keys.split("\n") if key]

    @property
    def tag(self) -> str:
        """What the names of its temporary files carry, so a sweep can find them."""
        return f"u{self.pk}-"
