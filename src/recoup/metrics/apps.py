from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "recoup.metrics"
    label = "metrics"

    def ready(self) -> None:
        from recoup.ledger.signals import ledger_changed
        from recoup.metrics.tasks import analytics_sync_soon

        ledger_changed.connect(analytics_sync_soon, dispatch_uid="metrics-analytics-sync")
