from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "recoup.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from recoup.accounts.audit_display import item_namer_register
        from recoup.ledger.selectors import customer_names

        item_namer_register("customer", customer_names)
