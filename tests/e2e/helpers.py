"""What the browser tests share: seeding through the API, dropping files, running axe-core."""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path

from PIL import Image

from tests.factories import exif_block

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def noisy_jpeg(size=(1200, 900), seed=0, **exif_fields) -> bytes:
    """A JPEG that does not compress away (random pixels), so its upload takes a while."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif_block(**exif_fields))
    return out.getvalue()


def post_image(request, server, data: bytes, filename: str, name: str = "") -> dict:
    """Uploads through the API (Playwright's request context) and returns the image JSON."""
    response = request.post(
        f"{server.url}/api/images",
        headers=server.headers,
        multipart={
            "file": {"name": filename, "mimeType": "image/jpeg", "buffer": data},
            "name": name,
        },
    )
    assert response.status == 201, response.text()
    return response.json()


def drop_files(page, selector: str, files: list[tuple[str, str, bytes]]) -> None:
    """Drops (name, type, bytes) files on `selector` in one drop, as a person dragging them."""
    payload = [{"name": n, "type": t, "data": base64.b64encode(b).decode()} for n, t, b in files]
    transfer = page.evaluate_handle(
        """files => {
        const transfer = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
            transfer.items.add(new File([bytes], f.name, {type: f.type}));
        }
        return transfer;
    }""",
        payload,
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated by the browser's debugging protocol: the page's CSP rightly forbids an inline
    # script tag, and the test must not loosen it (bypass_csp would hide real violations).
    page.evaluate("() => {" + AXE.read_text() + "\n}")
    result = page.evaluate("""async () => {
        const { violations } = await axe.run(document, { resultTypes: ["violations"] });
        return violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5) }));
    }""")
    return json.loads(json.dumps(result))


PALETTES = [  # sky top, sky bottom, far hills, near hills, sun
    ((38, 70, 140), (250, 190, 150), (90, 80, 120), (40, 45, 70), (255, 230, 170)),
    ((120, 180, 230), (220, 240, 250), (120, 160, 120), (60, 110, 70), (255, 255, 230)),
    ((20, 24, 60), (90, 60, 120), (50, 40, 80), (20, 18, 35), (240, 240, 255)),
    ((250, 150, 90), (255, 220, 150), (170, 110, 80), (110, 60, 50), (255, 250, 220)),
    ((160, 200, 210), (235, 240, 235), (150, 170, 180), (90, 110, 120), (255, 255, 255)),
]


def scenic_jpeg(seed: int, size=(960, 640), **exif_fields) -> bytes:
    """A calm made-up landscape (sky, sun, two ridges), so screenshots look like a photo shelf."""
    from PIL import ImageDraw

    rng = random.Random(seed)
    top, bottom, far, near, sun = PALETTES[seed % len(PALETTES)]
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB",
        [
            sky.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
            for a, b in zip(top, bottom, strict=False)
        ],
    )
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(width // 5, 4 * width // 5), rng.randint(height // 6, height // 2)
    r = height // 10
    draw.ellipse((x - r, y - r, x + r, y + r), fill=sun)
    for colour, level in ((far, 0.55), (near, 0.72)):
        points, step = [(0, height)], width // 8
        for px in range(0, width + step, step):
            points.append((px, int(height * level + rng.randint(-height // 9, height // 9))))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif_block(**exif_fields))
    return out.getvalue()


def signed_in_context(browser, server, **options):
    """A new browser context signed in as the server's administrator (through the login form)."""
    context = browser.new_context(**options)
    server.sign_in(context.new_page())
    return context
