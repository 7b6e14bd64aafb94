from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "recoup.placements"
    label = "placements"
    verbose_name = "Placements with agencies and lawyers"
