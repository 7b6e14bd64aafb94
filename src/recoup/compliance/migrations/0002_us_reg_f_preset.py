"""The US Regulation F preset, loaded once so that a new installation checks contacts from the
start (`recoup compliance preset us-reg-f` restores it, audited, after changes)."""

from typing import Any

from django.db import migrations

# Frozen here as it was first shipped: a later change to the preset is a command, not a rewrite
# of history.
ALL_BUT_LEGAL = ["call", "sms", "email", "letter", "visit"]
ALL = [*ALL_BUT_LEGAL, "legal"]
RULES: list[dict[str, Any]] = [
    {
        "code": "time_window",
        "name": "Only between 08:00 and 21:00 at the debtor's local time",
        "kind": "time_window",
        "params": {"start": "08:00", "end": "21:00", "weekdays": [0, 1, 2, 3, 4, 5, 6], "channels": ALL_BUT_LEGAL},
        "source": "12 CFR 1006.6(b)(1)(i)",
    },
    {
        "code": "call_frequency",
        "name": "At most 7 calls per debt in 7 consecutive days",
        "kind": "call_frequency",
        "params": {"max": 7, "days": 7, "channel": "call"},
        "source": "12 CFR 1006.14(b)(2)(i)(A)",
    },
    {
        "code": "conversation_block",
        "name": "No call for 7 days after a telephone conversation about the debt",
        "kind": "conversation_block",
        "params": {"days": 7, "channel": "call", "include_inbound": True},
        "source": "12 CFR 1006.14(b)(2)(i)(B)",
    },
    {
        "code": "cease",
        "name": "No communication after the debtor asks us to cease",
        "kind": "restriction",
        "params": {"restriction": "cease", "channels": ALL_BUT_LEGAL},
        "source": "15 U.S.C. 1692c(c); 12 CFR 1006.6(c)",
    },
    {
        "code": "bankruptcy",
        "name": "No collection during bankruptcy (automatic stay)",
        "kind": "restriction",
        "params": {"restriction": "bankruptcy", "channels": ALL},
        "source": "11 U.S.C. 362(a)",
    },
    {
        "code": "dispute",
        "name": "No collection of a disputed debt until it is verified",
        "kind": "restriction",
        "params": {"restriction": "dispute", "channels": ALL},
        "source": "15 U.S.C. 1692g(b); 12 CFR 1006.38(d)(2)",
    },
    {
        "code": "opt_out",
        "name": "Not through a channel the debtor opted out of",
        "kind": "restriction",
        "params": {"restriction": "opt_out", "channels": ALL},
        "source": "12 CFR 1006.6(d)(3), 1006.6(e), 1006.14(h)",
    },
    {
        "code": "time_barred",
        "name": "No legal action on a time-barred debt",
        "kind": "time_barred",
        "params": {"channels": ALL, "block_channels": ["legal"]},
        "source": "12 CFR 1006.26(b)",
    },
]


def load(apps: Any, schema_editor: Any) -> None:
    rule = apps.get_model("compliance", "Rule")
    for row in RULES:
        if not rule.objects.filter(code=row["code"], scope="system").exists():
            rule.objects.create(scope="system", severity="block", preset="us-reg-f", **row)


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("compliance", "Rule").objects.filter(preset="us-reg-f", scope="system").delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
