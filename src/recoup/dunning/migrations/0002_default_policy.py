"""The default policy every customer follows until a manager loads their own: a friendly
reminder three days before the due date, e-mails at 7 and 21 days past due, a letter at 45 and a
call at 60, each in English and German."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ITEMS_EN = (
    "{% for item in items %}- Invoice {{ item.number }} of {{ item.issued }}, due {{ item.due }}: "
    "{{ item.open }}\n{% endfor %}"
)
ITEMS_DE = (
    "{% for item in items %}- Rechnung {{ item.number }} vom {{ item.issued }}, fällig am "
    "{{ item.due }}: {{ item.open }}\n{% endfor %}"
)
SIGN_EN = (
    "\nPay online: {{ payment_link }}\n\nIf you have questions, please contact "
    "{{ collector.name }} ({{ collector.email }}).\n\nKind regards\n{{ organisation }}"
)
SIGN_DE = (
    "\nOnline bezahlen: {{ payment_link }}\n\nBei Fragen wenden Sie sich bitte an "
    "{{ collector.name }} ({{ collector.email }}).\n\nMit freundlichen Grüßen\n{{ organisation }}"
)

LEVELS: list[dict[str, Any]] = [
    {
        "name": "Friendly reminder",
        "days": -3,
        "channel": "email",
        "gap": 0,
        "en": (
            "Coming due: {{ total }}",
            "Dear {{ customer.name }},\n\nthis is a friendly reminder that the following "
            "invoices fall due soon:\n\n" + ITEMS_EN + "\nTotal: {{ total }}\n" + SIGN_EN,
        ),
        "de": (
            "Bald fällig: {{ total }}",
            "Sehr geehrte Damen und Herren ({{ customer.name }}),\n\nwir erinnern Sie freundlich "
            "daran, dass die folgenden Rechnungen bald fällig werden:\n\n"
            + ITEMS_DE
            + "\nGesamt: {{ total }}\n"
            + SIGN_DE,
        ),
    },
    {
        "name": "First reminder",
        "days": 7,
        "channel": "email",
        "gap": 5,
        "en": (
            "Payment reminder: {{ total }} overdue",
            "Dear {{ customer.name }},\n\nwe have not yet received payment for the following "
            "invoices:\n\n" + ITEMS_EN + "\nTotal overdue: {{ total }}\n\nPlease pay within "
            "7 days. If you have already paid, please disregard this message.\n" + SIGN_EN,
        ),
        "de": (
            "Zahlungserinnerung: {{ total }} überfällig",
            "Sehr geehrte Damen und Herren ({{ customer.name }}),\n\nfür die folgenden "
            "Rechnungen haben wir noch keine Zahlung erhalten:\n\n"
            + ITEMS_DE
            + "\nÜberfällig insgesamt: {{ total }}\n\nBitte zahlen Sie innerhalb von 7 Tagen. "
            "Falls Sie bereits gezahlt haben, betrachten Sie diese Nachricht als gegenstandslos.\n"
            + SIGN_DE,
        ),
    },
    {
        "name": "Second reminder",
        "days": 21,
        "channel": "email",
        "gap": 10,
        "en": (
            "Second reminder: {{ total }} overdue",
            "Dear {{ customer.name }},\n\ndespite our reminder the following invoices are "
            "still unpaid:\n\n" + ITEMS_EN + "\nTotal overdue: {{ total }}\n\nPlease pay now "
            "or contact us to agree a payment plan.\n" + SIGN_EN,
        ),
        "de": (
            "Zweite Mahnung: {{ total }} überfällig",
            "Sehr geehrte Damen und Herren ({{ customer.name }}),\n\ntrotz unserer Erinnerung "
            "sind die folgenden Rechnungen noch offen:\n\n"
            + ITEMS_DE
            + "\nÜberfällig insgesamt: {{ total }}\n\nBitte zahlen Sie umgehend oder "
            "vereinbaren Sie mit uns eine Ratenzahlung.\n" + SIGN_DE,
        ),
    },
    {
        "name": "Letter",
        "days": 45,
        "channel": "letter",
        "gap": 14,
        "en": (
            "Final notice before further steps",
            "Dear {{ customer.name }},\n\nthe following invoices remain unpaid:\n\n"
            + ITEMS_EN
            + "\nTotal overdue: {{ total }}\n\nUnless we receive payment within 14 days we "
            "will have to take further steps.\n" + SIGN_EN,
        ),
        "de": (
            "Letzte Mahnung vor weiteren Schritten",
            "Sehr geehrte Damen und Herren ({{ customer.name }}),\n\ndie folgenden Rechnungen "
            "sind weiterhin offen:\n\n"
            + ITEMS_DE
            + "\nÜberfällig insgesamt: {{ total }}\n\nGeht die Zahlung nicht innerhalb von 14 "
            "Tagen ein, müssen wir weitere Schritte einleiten.\n" + SIGN_DE,
        ),
    },
    {
        "name": "Call",
        "days": 60,
        "channel": "call_task",
        "gap": 10,
        "en": (
            "Call {{ customer.name }} about {{ total }}",
            "{{ customer.name }} owes {{ total }} after a letter; call to agree payment.",
        ),
        "de": (
            "{{ customer.name }} wegen {{ total }} anrufen",
            "{{ customer.name }} schuldet {{ total }} nach einem Brief; anrufen und Zahlung "
            "vereinbaren.",
        ),
    },
]


def create(apps: Any, schema_editor: Any) -> None:
    Policy = apps.get_model("dunning", "Policy")
    Level = apps.get_model("dunning", "Level")
    MessageTemplate = apps.get_model("dunning", "MessageTemplate")
    db = schema_editor.connection.alias
    if Policy.objects.using(db).filter(is_default=True).exists():
        return
    policy = Policy.objects.using(db).create(
        name="Standard", description="Reminder, two e-mails, a letter, a call", is_default=True
    )
    for position, spec in enumerate(LEVELS, start=1):
        level = Level.objects.using(db).create(
            policy=policy,
            position=position,
            name=spec["name"],
            days=spec["days"],
            channel=spec["channel"],
            min_gap_days=spec["gap"],
        )
        for language in ("en", "de"):
            subject, body = spec[language]
            MessageTemplate.objects.using(db).create(
                level=level, language=language, subject=subject, body=body
            )


class Migration(migrations.Migration):
    dependencies = [("dunning", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
