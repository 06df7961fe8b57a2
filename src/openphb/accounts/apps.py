from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openphb.accounts"
    label = "accounts"
    verbose_name = "Accounts"
