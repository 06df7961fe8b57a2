from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "openphb.programmes"
    label = "programmes"
    verbose_name = "Programmes and eligibility"
