from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "openphb.ledger"
    label = "ledger"
    verbose_name = "Ledger"
