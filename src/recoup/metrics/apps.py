from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "recoup.metrics"
    label = "metrics"
