from django.urls import include, path

from photoshelf.api import uploads
from photoshelf.api.urls import api
from photoshelf.web import views

urlpatterns = [
    # tus (resumable uploads): plain views beside the ninja API, see api/uploads.py.
    path("api/uploads", uploads.collection, name="uploads"),
    path("api/uploads/<str:token>", uploads.resource, name="upload"),
    # The same for a guest, on a share link that takes uploads (before the ninja API's URLs).
    path("api/shared/<str:share_token>/uploads", uploads.guest_collection, name="shared-uploads"),
    path(
        "api/shared/<str:share_token>/uploads/<str:token>",
        uploads.guest_resource,
        name="shared-upload",
    ),
    path("api/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("photoshelf.accounts.urls")),
    path("", include("photoshelf.web.urls")),
]

handler400 = "photoshelf.http.answers.bad_request"
handler404 = "photoshelf.http.answers.not_found"
handler500 = "photoshelf.http.answers.server_error"
