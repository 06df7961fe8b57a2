from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "openphb.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring how direct payments are used"
