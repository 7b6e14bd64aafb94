from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "recoup.workspace"
    label = "workspace"
    verbose_name = "Account workspace"

    def ready(self) -> None:
        from recoup.ledger.signals import ledger_changed
        from recoup.workspace.tasks import judge_after_ledger_change

        ledger_changed.connect(judge_after_ledger_change, dispatch_uid="workspace-judgement")
