"""What every workspace action does first: find the debtor in the actor's book and check their
right to act; and how it audits."""

from __future__ import annotations

import uuid

from recoup.accounts.access import can_work_account, require
from recoup.accounts.models import User
from recoup.accounts.scope import Scope, scope_for
from recoup.core.errors import NotFoundError, RecoupError
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customers_in_scope


class WorkspaceError(RecoupError):
    """An action that the data does not allow (a promise due before it was made, an amount in
    the wrong currency). `field` names the form field at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def account_for(actor: User | None, customer: Customer, *, via: str) -> Customer:
    """`customer`, locked for this transaction, once `actor` may act on it: the right to work
    accounts, and the debtor in their book (NotFoundError otherwise, as pages answer 404). A
    job or command without a person acts for the organisation."""
    require(
        actor is None or can_work_account(actor), "Your role does not allow acting on accounts."
    )
    scope = Scope.organisation(via or "workspace") if actor is None else scope_for(actor)
    # The lock serialises actions on one debtor, so two calls cannot both pass a frequency rule.
    found = (
        customers_in_scope(scope).select_for_update().filter(pk=customer.pk).first()
        if not scope.sees_all
        else Customer.objects.select_for_update().filter(pk=customer.pk).first()
    )
    if found is None:
        raise NotFoundError(f"customer {customer.pk} not found")
    return found


def new_external_id(kind: str) -> str:
    """An external id for a record made in the workspace rather than imported; the prefix keeps
    it apart from every import's keys."""
    return f"ws-{kind}-{uuid.uuid4().hex[:20]}"
