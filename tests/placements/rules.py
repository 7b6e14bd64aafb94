"""The rules the tests place by: a lawyer for the oldest and largest, an agency for the silent,
another for broken plans, and a catch-all that is switched off."""

from __future__ import annotations

from recoup.core.money import Money
from recoup.placements.models import PlacementRule
from recoup.placements.services import placement_rule_save
from tests.placements.conftest import Book


def rules_add(book: Book) -> dict[str, PlacementRule]:
    made = [
        placement_rule_save(
            actor=book.ada,
            rule=None,
            name="Everything",
            agency=book.beta,
            position=1,
            active=False,
        ),
        placement_rule_save(
            actor=book.ada,
            rule=None,
            name="Lawyer for the oldest",
            agency=book.lex,
            position=2,
            min_days_past_due=180,
            min_open=Money.from_major("5000", "USD"),
        ),
        placement_rule_save(
            actor=book.ada,
            rule=None,
            name="Silent accounts",
            agency=book.acme,
            position=3,
            min_days_past_due=90,
            no_contact_days=30,
        ),
        placement_rule_save(
            actor=book.ada,
            rule=None,
            name="Broken plans",
            agency=book.beta,
            position=4,
            min_days_past_due=30,
            broken_plan=True,
        ),
    ]
    return {r.name: r for r in made}
