"""A person uploads what cameras, phones and tools make: Chromium shows every thumbnail, an
animation's page plays the original, a motion photo's page has its video."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.helpers import post_image
from tests.factories import animation, dng, exr, jxl, linear_from_srgb, motion_photo, scene

pytestmark = pytest.mark.e2e


@pytest.fixture
def any_date_server(tmp_path):
    running = Server(tmp_path / "data", workers=1, env={"PHOTOSHELF_REQUIRE_TAKEN_AT": "false"})
    yield running
    running.stop()


def picture(seed: int) -> Image.Image:
    with Image.open(io.BytesIO(scene(seed))) as made:
        return made.convert("RGB").resize((480, 360))


def files() -> dict[str, bytes]:
    out = io.BytesIO()
    picture(5).save(out, "SGI")
    sgi = out.getvalue()
    return {
        "render.exr": exr({"RGB": linear_from_srgb(picture(1)).astype(np.float16)}),
        "photo.jxl": jxl(picture(2)),
        "PXL_1.dng": dng((1200, 800)),
        "loop.webp": animation("WEBP"),
        "PXL_2.MP.jpg": motion_photo(size=(480, 360), color=(200, 30, 90)),
        "old.rgb": sgi,
    }


def test_every_format_has_a_thumbnail_the_browser_shows(any_date_server, page):
    uploaded = {
        name: post_image(page.context.request, any_date_server, data, name)
        for name, data in files().items()
    }
    page.goto(any_date_server.url)
    expect(page.locator(".card")).to_have_count(len(uploaded))
    shown = "img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0"
    for answer in uploaded.values():
        thumbnail = page.locator(f"#image-{answer['id']} .thumb img")
        thumbnail.scroll_into_view_if_needed()
        expect(thumbnail).to_have_js_property("complete", True)
        assert thumbnail.evaluate(shown), answer["filename"]

    page.goto(f"{any_date_server.url}/images/{uploaded['loop.webp']['id']}")
    expect(page.locator(".kind.animated")).to_have_text("Animated WEBP")
    original = page.locator("img.preview")
    expect(original).to_have_attribute("src", f"/images/{uploaded['loop.webp']['id']}/original")
    assert original.evaluate(shown)

    page.goto(f"{any_date_server.url}/images/{uploaded['PXL_2.MP.jpg']['id']}")
    expect(page.locator(".kind.motion")).to_have_text("Motion photo")
    video = page.locator("video.motion-video")
    expect(video).to_have_attribute("src", f"/images/{uploaded['PXL_2.MP.jpg']['id']}/motion-video")
