from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "openphb.organisations"
    label = "organisations"
    verbose_name = "Organisations"
