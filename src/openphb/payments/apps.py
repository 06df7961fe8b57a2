from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "openphb.payments"
    label = "payments"
    verbose_name = "Direct payments and payment runs"
