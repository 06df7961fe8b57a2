from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openphb.core"
    label = "core"
    verbose_name = "Core"
