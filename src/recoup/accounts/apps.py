from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "recoup.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"
