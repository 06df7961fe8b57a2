from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "openphb.invoices"
    label = "invoices"
    verbose_name = "Provider invoices"
