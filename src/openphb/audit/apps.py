from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openphb.audit"
    label = "audit"
    verbose_name = "Audit"
