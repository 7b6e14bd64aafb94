from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "recoup.worklist"
    label = "worklist"
    verbose_name = "Worklists"
