"""Images made by Pillow at test time, with exactly the EXIF a test asks for."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
TAG_DATETIME_ORIGINAL, TAG_DATETIME_DIGITIZED = 0x9003, 0x9004
TAG_OFFSET_TIME_ORIGINAL, TAG_SUBSEC_ORIGINAL = 0x9011, 0x9291
EXIF_IFD = 0x8769

_UNSET = object()


def recently(days: int = 1) -> datetime:
    return (datetime.now() - timedelta(days=days)).replace(microsecond=0)


def exif_block(
    *,
    taken=_UNSET,
    digitized: datetime | None = None,
    modified: datetime | None = None,
    offset: str | None = None,
    subsec: str | None = None,
    make: str | None = "Canon",
    model: str | None = "Canon EOS 40D",
    orientation: int | None = None,
) -> Image.Exif:
    """An EXIF block; `taken` defaults to yesterday (so the photo passes the date rules)."""
    if taken is _UNSET:
        taken = recently()
    exif = Image.Exif()
    if make is not None:
        exif[TAG_MAKE] = make
    if model is not None:
        exif[TAG_MODEL] = model
    if orientation is not None:
        exif[TAG_ORIENTATION] = orientation
    if modified is not None:
        exif[TAG_DATETIME] = modified.strftime("%Y:%m:%d %H:%M:%S")
    ifd = exif.get_ifd(EXIF_IFD)
    if taken is not None:
        ifd[TAG_DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if digitized is not None:
        ifd[TAG_DATETIME_DIGITIZED] = digitized.strftime("%Y:%m:%d %H:%M:%S")
    if offset is not None:
        ifd[TAG_OFFSET_TIME_ORIGINAL] = offset
    if subsec is not None:
        ifd[TAG_SUBSEC_ORIGINAL] = subsec
    return exif


def photo(
    fmt: str = "JPEG",
    *,
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (90, 140, 200),
    mode: str = "RGB",
    exif: Image.Exif | None | object = _UNSET,
    **exif_fields,
) -> bytes:
    """Encoded image bytes. A gradient, so different colours give different files and hashes."""
    image = Image.new(mode, size, color if mode != "RGBA" else (*color, 128))
    if mode == "RGB":
        overlay = Image.linear_gradient("L").resize(size)
        image = Image.merge(
            "RGB",
            [
                band.point(lambda v, o=o: (v + o) % 256)
                for band, o in zip((overlay, overlay, overlay), color, strict=False)
            ],
        )
    if exif is _UNSET:
        exif = exif_block(**exif_fields)
    out = io.BytesIO()
    options = {}
    if exif is not None:
        options["exif"] = exif
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    image.save(out, fmt, **options)
    return out.getvalue()


def scene(seed: int, *, quality: int = 92, **exif_fields) -> bytes:
    """A photo-like JPEG, distinct for each seed (unlike photo()'s gradients, which differ only
    in colour and so look alike to a perceptual hash): shapes over a gradient, softened, grain."""
    rng = random.Random(seed)
    width = rng.choice((800, 1024, 1200, 1600))
    height = width * 3 // 4
    top, bottom = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(5, 12)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(width // 12, width // 2), rng.randint(height // 12, height // 2)
        fill = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.ellipse, draw.rectangle))
        shape((x - w // 2, y - h // 2, x + w // 2, y + h // 2), fill=fill)
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(image, grain, 0.08)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif_block(**exif_fields))
    return out.getvalue()


def reencoded(
    data: bytes, *, fmt: str = "JPEG", scale: float = 1.0, keep_exif: bool = True, **options
) -> bytes:
    """The same photo saved again: another format or quality, scaled, with or without EXIF."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        if scale != 1.0:
            image = image.resize((round(image.width * scale), round(image.height * scale)))
        out = io.BytesIO()
        image.save(out, fmt, **({"exif": exif} if keep_exif else {}), **options)
    return out.getvalue()


def flat_jpeg(mode: str = "RGB", **options) -> bytes:
    """A 64×48 JPEG of one grey, saved with these options."""
    out = io.BytesIO()
    Image.new(mode, (64, 48), 128).save(out, "JPEG", **options)
    return out.getvalue()


def with_repeated_last_scan(data: bytes, scans: int) -> bytes:
    """The file with its last scan repeated until it has `scans` scans: for a flat progressive
    picture the last scan is a refinement of a few bytes, and libjpeg decodes each repeat over
    the whole picture."""
    last = data.rfind(b"\xff\xda")
    have = data.count(b"\xff\xda")  # FF in entropy-coded data is always followed by 00 or RSTn
    return data[:-2] + data[last:-2] * (scans - have) + b"\xff\xd9"


def upload(data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(filename, data, content_type=content_type)


def large_photo(target_bytes: int, seed: int = 0) -> bytes:
    """A JPEG of at least about `target_bytes`: noise at quality 100 (incompressible, so the
    size follows the pixels), with a recent date taken so the default rules accept it."""
    side = max(64, int((target_bytes / 4.0) ** 0.5))
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(
        out, "JPEG", quality=100, subsampling=0, exif=exif_block(taken=recently(days=1))
    )
    return out.getvalue()


def exr(channels: dict, *, compression: str = "ZIP_COMPRESSION") -> bytes:
    """An OpenEXR file of these channels (name -> 2-D float array, or "RGB"/"RGBA" -> 3-D)."""
    import tempfile
    from pathlib import Path

    import OpenEXR

    header = {"compression": getattr(OpenEXR, compression), "type": OpenEXR.scanlineimage}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "image.exr"
        OpenEXR.File(header, channels).write(str(path))
        return path.read_bytes()


def linear_from_srgb(image: Image.Image):
    """An RGB image's pixels as scene-linear float32 (height × width × 3), as renderers write."""
    import numpy as np

    encoded = np.asarray(image.convert("RGB"), dtype=np.float32) / 255
    return np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


FRAME_COLOURS = ((220, 40, 40), (40, 200, 60), (40, 60, 220))


def animation(fmt: str, *, size: tuple[int, int] = (120, 80), frames: int = 3) -> bytes:
    """An animation (GIF, WEBP, or PNG for APNG) whose frames are flat red, green, blue, ..."""
    images = [Image.new("RGB", size, FRAME_COLOURS[i % len(FRAME_COLOURS)]) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=200, loop=0)
    return out.getvalue()


def jxl(
    image: Image.Image | None = None, *, exif: Image.Exif | None = None, xmp: bytes | None = None
) -> bytes:
    """A JPEG XL file (pillow-jxl-plugin's encoder), in a container when it carries metadata."""
    import pillow_jxl  # noqa: F401  registers JXL

    image = image or Image.linear_gradient("L").resize((160, 120)).convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90, "use_container": bool(exif or xmp)}
    if exif is not None:
        options["exif"] = exif.tobytes()
    if xmp is not None:
        options["xmp"] = xmp
    image.save(out, "JXL", **options)
    return out.getvalue()


def dng(
    size: tuple[int, int] = (1800, 1200),
    *,
    make: str = "Google",
    model: str = "Pixel 9",
    orientation: int = 1,
    xmp: bytes | None = None,
    preview: tuple[int, int] | None = None,
    thumbnail: tuple[int, int] = (256, 171),
) -> bytes:
    """A DNG as cameras write one (tifffile): IFD0 a small RGB thumbnail with the DNG and
    camera tags, its first SubIFD the Bayer (RGGB, 12-bit) sensor data of a left-to-right ramp,
    and, with `preview`, a second SubIFD holding a JPEG preview of that size."""
    import tempfile
    from pathlib import Path

    import numpy as np
    import tifffile

    width, height = size
    ramp = np.linspace(400, 3600, width, dtype=np.float32)
    cfa = np.tile(ramp, (height, 1)).astype(np.uint16)
    small = np.zeros((thumbnail[1], thumbnail[0], 3), dtype=np.uint8)
    small[...] = (200, 50, 50)  # red: a rendition of it would show, not the sensor's grey ramp
    identity = (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)
    ifd0 = [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (271, "s", 0, make, True),
        (272, "s", 0, model, True),
        (274, "H", 1, orientation, True),
        (50708, "s", 0, f"{make} {model}", True),  # UniqueCameraModel
        (50721, "2i", 9, identity, True),  # ColorMatrix1
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
    ]
    if xmp is not None:
        ifd0.append((700, "B", len(xmp), xmp, True))
    sensor = [
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50714, "H", 1, 0, True),  # BlackLevel
        (50717, "H", 1, 4095, True),  # WhiteLevel
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.dng"
        with tifffile.TiffWriter(path) as tif:
            tif.write(
                small, photometric="rgb", subfiletype=1, subifds=2 if preview else 1, extratags=ifd0
            )
            tif.write(cfa, photometric=32803, subfiletype=0, extratags=sensor)
            if preview:
                # Green, unlike the ramp and the thumbnail; given as YCbCr, as the JPEG holds it.
                green = Image.new("RGB", preview, (40, 160, 60)).convert("YCbCr")
                tif.write(
                    np.asarray(green),
                    photometric="ycbcr",
                    compression="jpeg",
                    subfiletype=1,
                    rowsperstrip=preview[1],
                )
        return path.read_bytes()


def mp4(payload: bytes = b"\0" * 64, *, brand: bytes = b"mp42") -> bytes:
    """The boxes of an MP4 file (ftyp, moov, mdat): what a motion photo appends to its JPEG."""

    def box(kind: bytes, body: bytes) -> bytes:
        return (8 + len(body)).to_bytes(4, "big") + kind + body

    return (
        box(b"ftyp", brand + b"\0\0\0\0" + brand + b"isom")
        + box(b"moov", box(b"mvhd", b"\0" * 100))
        + box(b"mdat", payload)
    )


def motion_photo(video: bytes | None = None, *, style: str = "container", **photo_fields) -> bytes:
    """A JPEG (photo()) with its XMP pointing at the MP4 appended to it, as phones write:
    Google's Motion Photo (`Container:Directory`) or the older MicroVideo (`GCamera`)."""
    video = mp4() if video is None else video
    if style == "container":
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
            '22-rdf-syntax-ns#"><rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/'
            'camera/" xmlns:Container="http://ns.google.com/photos/1.0/container/" '
            'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" GCamera:MotionPhoto="1" '
            'GCamera:MotionPhotoVersion="1"><Container:Directory><rdf:Seq><rdf:li '
            'rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary"'
            ' Item:Length="0" Item:Padding="0"/></rdf:li><rdf:li rdf:parseType="Resource">'
            '<Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" '
            f'Item:Length="{len(video)}" Item:Padding="0"/></rdf:li></rdf:Seq>'
            "</Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"
        )
    else:
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
            '22-rdf-syntax-ns#"><rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/'
            f'camera/" GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" '
            f'GCamera:MicroVideoOffset="{len(video)}" GCamera:MicroVideoPresentationTimestampUs="0"'
            "/></rdf:RDF></x:xmpmeta>"
        )
    still = photo(**photo_fields)
    with Image.open(io.BytesIO(still)) as image:
        out = io.BytesIO()
        image.save(out, "JPEG", exif=image.getexif(), xmp=xmp.encode(), quality=90)
    return out.getvalue() + video
