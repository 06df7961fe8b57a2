from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "openphb.demo"
    label = "demo"
