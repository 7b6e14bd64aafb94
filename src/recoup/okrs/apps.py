from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "recoup.okrs"
    label = "okrs"
    verbose_name = "OKRs"
