from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "recoup.ingest"
    label = "ingest"
