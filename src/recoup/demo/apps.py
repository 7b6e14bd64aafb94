from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "recoup.demo"
    label = "demo"
