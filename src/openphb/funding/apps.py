from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "openphb.funding"
    label = "funding"
    verbose_name = "Funding streams and allocations"
