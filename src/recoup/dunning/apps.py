from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "recoup.dunning"
    label = "dunning"
    verbose_name = "Dunning and placements"
