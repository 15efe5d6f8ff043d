from django.urls import path

from . import albums, files, links, shared, views

app_name = "web"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("upload", views.upload, name="upload"),
    path("images/<int:image_id>", views.image_page, name="image"),
    path("images/<int:image_id>/original", files.original, name="original"),
    path("images/<int:image_id>/motion-video", files.motion_video, name="motion_video"),
    path("images/<int:image_id>/delete", views.delete, name="delete"),
    path("images/<int:image_id>/card", views.card, name="card"),
    path("images/<int:image_id>/links", links.image_links, name="image_links"),
    path("images/<int:image_id>/<str:size_name>", files.rendition, name="rendition"),
    path("trash", views.trash_page, name="trash"),
    path("activity", views.activity_page, name="activity"),
    path("trash/empty", views.empty_trash, name="empty_trash"),
    path("trash/<int:image_id>/restore", views.restore, name="restore"),
    path("trash/<int:image_id>/delete", views.purge, name="purge"),
    path("albums", albums.album_list, name="albums"),
    path("albums/add", albums.add_images, name="album_add"),
    path("albums/<int:album_id>", albums.album_page, name="album"),
    path("albums/<int:album_id>/delete", albums.delete_album, name="album_delete"),
    path("albums/<int:album_id>/remove/<int:image_id>", albums.remove_image, name="album_remove"),
    path("albums/<int:album_id>/links", links.album_links, name="album_links"),
    path("s/<str:token>", shared.page, name="shared"),
    path("s/<str:token>/upload", shared.upload, name="shared_upload"),
    path("s/<str:token>/download", shared.download_all, name="shared_download"),
    path("s/<str:token>/images/<int:image_id>/original", shared.original, name="shared_original"),
    path("s/<str:token>/images/<int:image_id>/card", shared.card, name="shared_card"),
    path(
        "s/<str:token>/images/<int:image_id>/<str:size_name>",
        shared.rendition,
        name="shared_rendition",
    ),
]
