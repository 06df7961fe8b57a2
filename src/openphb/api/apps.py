from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "openphb.api"
    label = "api"
