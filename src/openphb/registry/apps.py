from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "openphb.registry"
    label = "registry"
    verbose_name = "Registry"
