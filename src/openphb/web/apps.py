from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openphb.web"
    label = "web"
