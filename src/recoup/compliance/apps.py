from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ComplianceConfig(AppConfig):
    name = "recoup.compliance"
    label = "compliance"
    verbose_name = "Contact rules"

    def ready(self) -> None:
        from recoup.compliance.services import preset_ensure

        # Also after a test run's flush, which empties what migration 0002 loaded.
        post_migrate.connect(preset_ensure, sender=self, dispatch_uid="compliance-preset")
