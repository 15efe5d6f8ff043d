"""Photos put in the gallery through the API, for the page tests to look at."""

from photoshelf.gallery.models import Image
from tests.factories import photo, upload


def add(client, **kwargs) -> Image:
    """A photo (tests.factories.photo(**kwargs)) uploaded as `name`; its stored row."""
    name = kwargs.pop("name", "")
    response = client.post("/api/images", {"file": upload(photo(**kwargs)), "name": name})
    assert response.status_code == 201, response.content
    return Image.objects.get(pk=response.json()["id"])
