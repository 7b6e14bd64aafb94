"""Forms of the accounts pages: the Audit page's filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.http import urlencode

from recoup.accounts.audit_display import object_kind
from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.selectors import AuditFilter
from recoup.core.forms import InputDateField

# The person filter's value for entries that commands and jobs made without a person.
WITHOUT_PERSON = "none"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """Narrow the audit trail by person, kind of item and dates (both days included)."""

    person = forms.ChoiceField(label="Person", required=False)
    kind = forms.ChoiceField(label="Item kind", required=False)
    date_from = InputDateField(label="From", required=False, widget=DateInput())
    date_to = InputDateField(label="To", required=False, widget=DateInput())

    def __init__(
        self,
        data: Any,
        *,
        people: Iterable[User],
        object_types: Iterable[str],
        without_person: bool,
    ) -> None:
        super().__init__(data)
        person_choices = [("", "Everyone")]
        if without_person:
            person_choices.append((WITHOUT_PERSON, "Commands and jobs (no person)"))
        person_choices += [(str(p.pk), person_name(p)) for p in people]
        self.fields["person"].choices = person_choices  # type: ignore[attr-defined]
        kinds = sorted(((t, object_kind(t)) for t in object_types), key=lambda c: c[1])
        self.fields["kind"].choices = [("", "Every kind"), *kinds]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    @staticmethod
    def _start_of(day: date) -> datetime:
        # Days begin at local midnight (the time zone people read the page in), not at UTC's.
        return timezone.make_aware(datetime.combine(day, time.min))

    def narrowed(self) -> AuditFilter:
        """The filter the valid form asks for."""
        data = self.cleaned_data
        person = data.get("person") or ""
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        return AuditFilter(
            person=int(person) if person.isdigit() else None,
            without_person=person == WITHOUT_PERSON,
            object_type=data.get("kind") or "",
            since=self._start_of(start) if start else None,
            until=self._start_of(end + timedelta(days=1)) if end else None,
        )

    def query_without_page(self) -> str:
        """The filter as a query string, for the links to the other pages of results."""
        if not self.is_bound:
            return ""
        return urlencode({name: self.data[name] for name in self.fields if self.data.get(name)})
