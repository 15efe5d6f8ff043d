from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("setup", views.setup, name="setup"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("users", views.user_list, name="users"),
    path("users/<int:user_id>/remove", views.user_remove, name="user-remove"),
    path("tokens", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke", views.token_revoke, name="token-revoke"),
]
