from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "photoshelf.gallery"
    label = "gallery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from photoshelf.storage import checks  # noqa: F401  (registers the storage checks)
