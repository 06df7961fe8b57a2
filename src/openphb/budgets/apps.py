from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "openphb.budgets"
    label = "budgets"
    verbose_name = "Personal health budgets"
