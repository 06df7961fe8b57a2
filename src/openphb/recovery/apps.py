from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "openphb.recovery"
    label = "recovery"
    verbose_name = "Recovering direct-payment money"
