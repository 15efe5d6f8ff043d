from django.urls import path

from . import files, views

app_name = "web"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("upload", views.upload, name="upload"),
    path("images/<int:image_id>", views.image_page, name="image"),
    path("images/<int:image_id>/original", files.original, name="original"),
    path("images/<int:image_id>/motion-video", files.motion_video, name="motion_video"),
    path("images/<int:image_id>/delete", views.delete, name="delete"),
    path("images/<int:image_id>/card", views.card, name="card"),
    path("images/<int:image_id>/<str:size_name>", files.rendition, name="rendition"),
]
