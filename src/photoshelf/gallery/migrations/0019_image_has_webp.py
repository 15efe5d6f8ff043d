from django.db import migrations, models


class Migration(migrations.Migration):
    """Photos stored so far have JPEG renditions only: False until the repair makes their WebP."""

    dependencies = [
        ("gallery", "0018_resumable_guest_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="has_webp",
            field=models.BooleanField(default=False),
        ),
    ]
