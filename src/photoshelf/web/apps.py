from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "photoshelf.web"
    label = "web"
