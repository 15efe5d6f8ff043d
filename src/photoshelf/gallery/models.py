"""One row per stored image: what the gallery and the API show, and where its bytes are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone

from photoshelf.core.sizes import SIZES
from photoshelf.storage.keys import original_key, rendition_key

from . import display


class ImageQuerySet(models.QuerySet):
    def in_trash(self) -> ImageQuerySet:
        return self.filter(trashed_at__isnull=False)


class GalleryManager(models.Manager.from_queryset(ImageQuerySet)):  # type: ignore[misc]
    """Photos not in the trash: what every list, page and lookup sees unless it asks for more."""

    def get_queryset(self) -> ImageQuerySet:
        return super().get_queryset().filter(trashed_at__isnull=True)


AllImagesManager = models.Manager.from_queryset(ImageQuerySet)


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
    # Its WebP renditions are stored: pages offer them only then (a <source> whose file is
    # missing is a broken picture, not the JPEG). Photos stored before they existed get them,
    # and this, from `photoshelf check --repair`.
    has_webp = models.BooleanField(default=False)
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
    # In the trash since then (None: in the gallery), moved there by this user (None: by a
    # command, or the account was removed since). Purged once older than PHOTOSHELF_TRASH_DAYS.
    trashed_at = models.DateTimeField(null=True, blank=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The share link a guest uploaded it through (no user then): that album's owner and
    # administrators may delete it. NULL for every other upload, and once the link is deleted.
    uploaded_via = models.ForeignKey(
        "ShareLink", null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )

    # The default manager hides the trash, so every query written against Image.objects (pages,
    # the API, albums, share links) leaves trashed photos out without knowing the trash exists.
    # `everything` is for the few that must see them: the trash itself, purges, the duplicate
    # rules, the consistency check. Related-object access and save() go through the base
    # manager, which must see every row (docs/architecture.md says why).
    objects = GalleryManager()
    everything = AllImagesManager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "everything"
        ordering = ["-uploaded_at", "-id"]
        # One index per sort order of gallery/queries.py (walked backwards for ascending
        # orders), and the same orders within one camera, so every page is one index range.
        indexes = [
            models.Index(fields=["-uploaded_at", "-id"], name="image_newest_first"),
            models.Index(fields=["-taken_at", "-id"], name="image_taken_newest_first"),
            # trashed_at rides along, so the camera list's EXISTS (photos not in the trash)
            # is read from the index alone.
            models.Index(
                fields=["camera_make", "camera_model", "-uploaded_at", "-id", "trashed_at"],
                name="image_camera_newest_first",
            ),
            models.Index(
                fields=["camera_make", "camera_model", "-taken_at", "-id", "trashed_at"],
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
            # The trash, newest first, and the sweep's expired rows (oldest first, backwards).
            # Partial: of the rows in the trash only, so no planner picks it for the gallery's
            # "not in the trash" (MariaDB has no partial indexes: its trash list scans).
            models.Index(
                fields=["-trashed_at", "-id"],
                name="image_trash_newest_first",
                condition=models.Q(trashed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"

    @property
    def original_key(self) -> str:
        return original_key(self.sha256, self.extension)

    def rendition_key(self, size_name: str, extension: str | None = None) -> str:
        """The key of one size in one of its encodings (default: the fallback, JPEG)."""
        extension = extension or SIZES[size_name].fallback.extension
        return rendition_key(self.sha256, size_name, extension)

    def storage_keys(self) -> list[str]:
        """Every file of this photo, the original first: what deletion, the trash, the in-flight
        note and `photoshelf check` go by."""
        return [
            self.original_key,
            *(
                self.rendition_key(size.name, encoding.extension)
                for size in SIZES.values()
                for encoding in size.encodings
            ),
        ]

    @property
    def in_trash(self) -> bool:
        return self.trashed_at is not None

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


class ResumableUpload(models.Model):
    """A resumable upload (tus, /api/uploads): its announced length, how many bytes are durably
    stored (`offset`: never more than the committed chunks hold) and what became of it.

    The bytes are UploadChunk objects in the storage, committed with the offset they advance, so
    any server sharing the database and the storage can take the next PATCH. One PATCH at a time
    writes: `writer` names the process holding the upload (as UploadInFlight does) until
    `writer_until`; a writer proven dead or past its lease may be replaced.
    """

    class State(models.TextChoices):
        RECEIVING = "receiving"
        STORED = "stored"
        REFUSED = "refused"
        EXPIRED = "expired"

    token = models.CharField(max_length=32, unique=True)  # the id in its URL, unguessable
    # Who may go on with it: an account, or (a guest's upload) the share link it came through.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    link = models.ForeignKey(
        "ShareLink",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resumable_uploads",
    )
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVING)
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL)
    problem = models.JSONField(null=True, blank=True)  # the refusal's problem, when refused
    writer = models.CharField(max_length=320, blank=True)  # host pid started nonce, "" free
    writer_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "gallery_resumable_upload"
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"resumable upload {self.token} ({self.offset}/{self.length}, {self.state})"


class UploadChunk(models.Model):
    """Bytes [offset, offset + size) of a resumable upload, stored under `key`."""

    upload = models.ForeignKey(ResumableUpload, on_delete=models.CASCADE, related_name="chunks")
    offset = models.BigIntegerField()
    size = models.BigIntegerField()
    key = models.CharField(max_length=255, unique=True)

    class Meta:
        db_table = "gallery_upload_chunk"
        constraints = [
            models.UniqueConstraint(fields=["upload", "offset"], name="one_chunk_per_offset")
        ]

    def __str__(self) -> str:
        return self.key


class Activity(models.Model):
    """One thing done to the library (gallery/activity.py): what, to which photo, by whom, how.

    The photo is named, not referenced: an entry outlives the photo it tells of (a purge), and
    the person's name is kept with it for when their account is removed.
    """

    at = models.DateTimeField(default=django_timezone.now)
    action = models.CharField(max_length=32)  # one of activity.ACTIONS
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)  # "" for the command line, a sweep
    via = models.CharField(max_length=16)  # one of activity.VIAS
    token_name = models.CharField(max_length=100, blank=True)  # the API token or guest link
    address = models.GenericIPAddressField(null=True, blank=True)  # the client's, when over HTTP
    image_id = models.BigIntegerField(null=True, blank=True)
    image_name = models.CharField(max_length=200, blank=True)
    # The album an entry is about, named like the photo (it outlives a deleted album); its
    # owner sees the entry as theirs (a guest's upload into it, an administrator's change).
    album_id = models.BigIntegerField(null=True, blank=True)
    album_title = models.CharField(max_length=200, blank=True)
    album_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link_id = models.BigIntegerField(null=True, blank=True)  # the share link made or revoked

    class Meta:
        db_table = "gallery_activity"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="activity_newest_first"),
            models.Index(fields=["user", "-at", "-id"], name="activity_user_newest_first"),
            models.Index(fields=["action", "-at", "-id"], name="activity_action_newest_first"),
            models.Index(fields=["album_owner", "-at", "-id"], name="activity_album_owner_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or self.via} {self.action}"


class Album(models.Model):
    """A named set of photos with an owner; a photo can be in many. Deleting an album keeps
    its photos; deleting a photo removes it from its albums (AlbumImage cascades)."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    # The chosen cover; None: the photo added first (see gallery/albums.py cover_id()).
    cover = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="album_owner_newest")]

    def __str__(self) -> str:
        return self.title


class AlbumImage(models.Model):
    """One photo in one album, and when it was added: the album's pages walk this table's
    (album, added_at, id) index, newest added first, one index range per page."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="entries")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="album_entries")
    added_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        db_table = "gallery_album_image"
        constraints = [
            models.UniqueConstraint(fields=["album", "image"], name="album_image_once"),
        ]
        indexes = [
            models.Index(fields=["album", "-added_at", "-id"], name="album_image_newest_added"),
        ]

    def __str__(self) -> str:
        return f"image {self.image_id} in album {self.album_id}"


class ShareLink(models.Model):
    """A link that shows one album or one photo to whoever holds it, without an account.

    Only a SHA-256 of its token is stored (the token is 192 random bits, shown once, like an
    API token), so the table cannot be turned back into links. Exactly one of `album` and
    `image` is set (made so by gallery/sharing.py; the database refuses both).
    A revoked link is kept (revoked_at) so its id stays meaningful.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    album = models.ForeignKey(
        Album, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    password_hash = models.CharField(max_length=255, blank=True)  # "" when it has none
    allow_download = models.BooleanField(default=True)
    allow_upload = models.BooleanField(default=False)  # albums only
    created_at = models.DateTimeField(default=django_timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "gallery_share_link"
        ordering = ["-created_at", "-id"]
        # Never both targets. "Exactly one" is kept by gallery/sharing.py, which makes every
        # link: on MySQL/MariaDB, deleting an album first sets its links' album_id to NULL (the
        # rows take part in a cycle of nullable keys and checks cannot be deferred there).
        constraints = [
            models.CheckConstraint(
                condition=models.Q(album__isnull=True) | models.Q(image__isnull=True),
                name="share_link_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"link {self.pk} to {'album' if self.album_id else 'image'}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def kind(self) -> str:
        return "album" if self.album_id else "image"
