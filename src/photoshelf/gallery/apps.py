from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "photoshelf.gallery"
    label = "gallery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django's way to register system checks: import their modules once the apps are ready.
        from photoshelf.core import datadir  # noqa: F401
        from photoshelf.storage import checks  # noqa: F401
