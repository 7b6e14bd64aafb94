"""The Dunning pages' forms: a run to prepare, a template to edit (with the customer its live
preview is rendered for)."""

from __future__ import annotations

from typing import Any

from django import forms

from recoup.accounts.scope import Scope
from recoup.dunning.models import Policy
from recoup.ledger.selectors import customers_in_scope


class PrepareForm(forms.Form):
    as_of = forms.DateField(label="Run for the day", widget=forms.DateInput(attrs={"type": "date"}))
    policy = forms.ModelChoiceField(
        queryset=Policy.objects.order_by("name"),
        required=False,
        empty_label="Every policy",
        label="Policy",
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=300, label="Subject")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), label="Body")
    customer = forms.ChoiceField(label="Preview for", required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owing = customers_in_scope(scope).filter(invoices__isnull=False).distinct()
        choices = [
            (str(pk), f"{name} ({ref})")
            for pk, name, ref in owing.order_by("name").values_list("pk", "name", "external_id")[
                :200
            ]
        ]
        self.fields["customer"].choices = choices  # type: ignore[attr-defined]
