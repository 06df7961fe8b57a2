from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "openphb.planning"
    label = "planning"
    verbose_name = "Care and support planning"
