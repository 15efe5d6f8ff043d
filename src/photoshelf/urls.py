from django.urls import include, path

from photoshelf.api.urls import api
from photoshelf.web import views

urlpatterns = [
    path("api/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("photoshelf.accounts.urls")),
    path("", include("photoshelf.web.urls")),
]

handler400 = "photoshelf.http.answers.bad_request"
handler404 = "photoshelf.http.answers.not_found"
handler500 = "photoshelf.http.answers.server_error"
