from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "openphb.statements"
    label = "statements"
    verbose_name = "Bank and card statements"
