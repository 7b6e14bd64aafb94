from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "recoup.notifications"
    label = "notifications"
    verbose_name = "Notifications"
