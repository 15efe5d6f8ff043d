from django.urls import path

from . import files, views

app_name = "web"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("upload", views.upload, name="upload"),
    path("images/<int:image_id>", views.image_page, name="image"),
    path("images/<int:image_id>/original", files.original, name="original"),
    path("images/<int:image_id>/delete", views.delete, name="delete"),
    path("images/<int:image_id>/card", views.card, name="card"),
    path("images/<int:image_id>/<str:size_name>", files.rendition, name="rendition"),
    path("trash", views.trash_page, name="trash"),
    path("activity", views.activity_page, name="activity"),
    path("trash/empty", views.empty_trash, name="empty_trash"),
    path("trash/<int:image_id>/restore", views.restore, name="restore"),
    path("trash/<int:image_id>/delete", views.purge, name="purge"),
]
