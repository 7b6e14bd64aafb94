"""Who may do what: one predicate per rule, and the view guards built on them.

Every interface asks the same predicate: pages and their templates (through `Can`), the API,
and the services themselves when they are given an actor, so that a command run as a person is
held to that person's rights. The rules, as a table per role, are in `docs/access.md`; what each
role may *see* (its book of debtors) is `recoup.accounts.scope`.

Each predicate takes the user first and, when the rule depends on an item, the item; it answers
False for anonymous and inactive users, and treats superusers as admins. Items from other apps
(key results, import runs) are described by small protocols, as `accounts` sits below them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property, wraps
from typing import Any, Protocol

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from recoup.accounts.models import Role, User
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError

AnyUser = AbstractBaseUser | AnonymousUser

# Managers and admins steer the work: they plan, correct and import everything.
STEERING_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
WORKING_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.COLLECTOR})

# What a collector records about their own work with debtors. Everything else in the ledger
# (customers, invoices, payments, allocations, adjustments, credit notes, write-offs, agencies,
# placements, remittances, assignments, credit decisions, collection costs, FX rates) moves money or decides
# who works which debtor: a manager's import. Names are `recoup.ingest.kinds.KINDS` keys.
COLLECTOR_IMPORT_KINDS = frozenset(
    {"contact-points", "activities", "promises", "payment-plans", "instalments", "disputes"}
)


def role_of(user: AnyUser) -> Role | None:
    """The role the rules apply to: None when anonymous or inactive; a superuser is an admin."""
    if not (isinstance(user, User) and user.is_active):
        return None
    if user.is_superuser:
        return Role.ADMIN
    return Role(user.role)


def _user_id(user: AnyUser) -> int | None:
    return user.pk if isinstance(user, User) else None


# --- items the rules look at ------------------------------------------------------------------


class ObjectiveLike(Protocol):
    @property
    def owner_id(self) -> int | None: ...


class KeyResultLike(Protocol):
    @property
    def owner_id(self) -> int | None: ...
    @property
    def objective(self) -> ObjectiveLike: ...


class InitiativeLike(Protocol):
    @property
    def owner_id(self) -> int | None: ...
    @property
    def key_result(self) -> KeyResultLike: ...


class ImportRunLike(Protocol):
    @property
    def started_by_id(self) -> int | None: ...


# --- the rules --------------------------------------------------------------------------------


def can_change(user: AnyUser) -> bool:
    """Holds some right to change things: every active role but viewers (the `change_required`
    guard; each change still asks its own predicate)."""
    return role_of(user) in WORKING_ROLES


def can_change_okrs(user: AnyUser) -> bool:
    """Plan OKRs: create and edit cycles, objectives, key results and initiatives of every team,
    apply plans and templates, learn curves, run the automatic check-in. Managers and admins.
    A manager plans across teams: objectives align across them, and managers see every debtor."""
    return role_of(user) in STEERING_ROLES


def can_check_in(user: AnyUser, key_result: KeyResultLike) -> bool:
    """Check in a key result: managers and admins any; a collector the key results they own, or
    of an objective they own (the person accountable reports, not their neighbours). Viewers
    never."""
    role = role_of(user)
    if role in STEERING_ROLES:
        return True
    me = _user_id(user)
    if role != Role.COLLECTOR or me is None:
        return False
    return me in (key_result.owner_id, key_result.objective.owner_id)


def can_progress_initiative(user: AnyUser, initiative: InitiativeLike) -> bool:
    """Move an initiative along (to do, in progress, done): managers and admins any; a collector
    those they own or whose key result they may check in. Renaming, re-owning, re-dating or
    cancelling one is planning (`can_change_okrs`). Viewers never."""
    role = role_of(user)
    if role in STEERING_ROLES:
        return True
    if role != Role.COLLECTOR:
        return False
    return initiative.owner_id == _user_id(user) or can_check_in(user, initiative.key_result)


def can_override_status(user: AnyUser) -> bool:
    """Override a key result's computed status (with a reason), or clear the override."""
    return role_of(user) in STEERING_ROLES


def can_see_target_suggestions(user: AnyUser) -> bool:
    """Read realistic-target suggestions: they are read when a planner sets a target, from the
    organisation's KPI history."""
    return role_of(user) in STEERING_ROLES


def can_read_org_settings(user: AnyUser) -> bool:
    """Read the organisation's settings: the cycle cadence and the KPI variants (managers plan
    around them)."""
    return role_of(user) in STEERING_ROLES


def can_change_org_settings(user: AnyUser) -> bool:
    """Change the cycle cadence and the KPI variants: admins."""
    return role_of(user) == Role.ADMIN


def can_manage_users(user: AnyUser) -> bool:
    """Create and edit users, teams and memberships (also through a plan's `people:`): admins.
    Membership decides which debtors a collector sees, so it is never a manager's shortcut."""
    return role_of(user) == Role.ADMIN


def importable_kinds(user: AnyUser, kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds among `kinds` (the importer's) that `user` may import, in their order."""
    return tuple(kind for kind in kinds if can_import(user, kind))


def can_import(user: AnyUser, kind: str) -> bool:
    """Import a file of ledger `kind`: managers and admins every kind; collectors the records
    of their own work (`COLLECTOR_IMPORT_KINDS`); viewers nothing."""
    role = role_of(user)
    if role in STEERING_ROLES:
        return True
    return role == Role.COLLECTOR and kind in COLLECTOR_IMPORT_KINDS


def can_import_something(user: AnyUser) -> bool:
    """Open the upload form at all: anyone who may import some kind."""
    return role_of(user) in WORKING_ROLES


def can_see_all_import_runs(user: AnyUser) -> bool:
    """Managers and admins read every import run and its problem report."""
    return role_of(user) in STEERING_ROLES


def can_see_import_run(user: AnyUser, run: ImportRunLike) -> bool:
    """Read an import run and its problem report (which quotes the file's values): its author,
    managers and admins. Runs started from the command line have no author."""
    if can_see_all_import_runs(user):
        return True
    return role_of(user) is not None and run.started_by_id == _user_id(user)


def can_read_audit(user: AnyUser) -> bool:
    """Open the audit trail: admins every entry; managers (narrowed by the audit page to their
    teams' people and items, see `can_read_all_audit`)."""
    return role_of(user) in STEERING_ROLES


def can_read_all_audit(user: AnyUser) -> bool:
    """Read every audit entry, whoever and whatever it is about: admins."""
    return role_of(user) == Role.ADMIN


def can_see_whole_ledger(user: AnyUser) -> bool:
    """Admins and managers read every debtor; others their book (`recoup.accounts.scope`)."""
    return scope_for(user).sees_all


def can_run_dunning(user: AnyUser) -> bool:
    """Start a dunning run (letters and messages to debtors): managers and admins."""
    return role_of(user) in STEERING_ROLES


def can_place_accounts(user: AnyUser) -> bool:
    """Place accounts with agencies and lawyers (rules, batches, recalls, their exports):
    managers and admins. A manager places the debtors of their own teams only; admins every
    debtor (`recoup.placements.scope`)."""
    return role_of(user) in STEERING_ROLES


def can_set_agency_commissions(user: AnyUser) -> bool:
    """Set or remove an agency's commission rates by placement age: managers and admins, who
    agree the terms with agencies. Everyone signed in reads the agency scorecard, within their
    book."""
    return role_of(user) in STEERING_ROLES


def can_work_account(user: AnyUser) -> bool:
    """Act on a debtor's account in the workspace: log contacts, record promises, payment plans,
    disputes, notes, call-backs, contact points and restrictions. Admins, managers and
    collectors; which debtors is the person's book (`recoup.accounts.scope`), which the
    workspace's services hold them to. Viewers read the workspace and act on nothing."""
    return role_of(user) in WORKING_ROLES


def can_override_contact_rules(user: AnyUser) -> bool:
    """Log a contact the contact rules block (with a reason, audited with the blocks it
    overrode), and end a restriction such as a cease-communication request: managers and
    admins, who answer for the organisation's compliance."""
    return role_of(user) in STEERING_ROLES


def can_plan_collectors_work(user: AnyUser) -> bool:
    """Move accounts between collectors, set a collector's daily calls and scorecard targets:
    managers and admins, who plan who works what. Collectors read their own worklist and
    scorecard and their teammates'."""
    return role_of(user) in STEERING_ROLES


def can_change_contact_rules(user: AnyUser) -> bool:
    """Add or change the contact rules (hours, call limits, "no visits", a team's or a
    debtor's own rule) and load a bundled rule set: admins, who configure compliance. Everyone
    signed in reads the rules."""
    return role_of(user) == Role.ADMIN


def can_manage_report_lists(user: AnyUser) -> bool:
    """Make, change and remove the weekly report's recipient lists: managers and admins, who
    answer for what leaves the organisation. A list's report covers its team (or everyone)
    whoever receives it. Everyone signed in previews and downloads the report of their own
    scope."""
    return role_of(user) in STEERING_ROLES


def can_manage_own_tokens(user: AnyUser) -> bool:
    """Create and revoke one's own API tokens and calendar-feed secret: every active user. A
    token carries its owner's role and scope, so it gives no one more than their session."""
    return role_of(user) is not None


def require(allowed: bool, message: str) -> None:
    """For services: refuse with `AccessDeniedError` (HTTP 403, CLI error) unless `allowed`."""
    if not allowed:
        raise AccessDeniedError(message)


# --- templates --------------------------------------------------------------------------------


class Can:
    """The user-level rules of one person for templates: `{% if can.change_okrs %}`. Rules about
    one item (check in this key result) are decided by the view and passed as a flag."""

    def __init__(self, user: AnyUser) -> None:
        self._user = user

    @cached_property
    def change(self) -> bool:
        return can_change(self._user)

    @cached_property
    def change_okrs(self) -> bool:
        return can_change_okrs(self._user)

    @cached_property
    def override_status(self) -> bool:
        return can_override_status(self._user)

    @cached_property
    def see_target_suggestions(self) -> bool:
        return can_see_target_suggestions(self._user)

    @cached_property
    def read_org_settings(self) -> bool:
        return can_read_org_settings(self._user)

    @cached_property
    def change_org_settings(self) -> bool:
        return can_change_org_settings(self._user)

    @cached_property
    def manage_users(self) -> bool:
        return can_manage_users(self._user)

    @cached_property
    def import_something(self) -> bool:
        return can_import_something(self._user)

    @cached_property
    def see_all_import_runs(self) -> bool:
        return can_see_all_import_runs(self._user)

    @cached_property
    def read_audit(self) -> bool:
        return can_read_audit(self._user)

    @cached_property
    def read_all_audit(self) -> bool:
        return can_read_all_audit(self._user)

    @cached_property
    def see_whole_ledger(self) -> bool:
        return can_see_whole_ledger(self._user)

    @cached_property
    def run_dunning(self) -> bool:
        return can_run_dunning(self._user)

    @cached_property
    def place_accounts(self) -> bool:
        return can_place_accounts(self._user)

    @cached_property
    def set_agency_commissions(self) -> bool:
        return can_set_agency_commissions(self._user)

    @cached_property
    def work_account(self) -> bool:
        return can_work_account(self._user)

    @cached_property
    def override_contact_rules(self) -> bool:
        return can_override_contact_rules(self._user)

    @cached_property
    def change_contact_rules(self) -> bool:
        return can_change_contact_rules(self._user)

    @cached_property
    def plan_collectors_work(self) -> bool:
        return can_plan_collectors_work(self._user)

    @cached_property
    def manage_own_tokens(self) -> bool:
        return can_manage_own_tokens(self._user)

    @cached_property
    def manage_report_lists(self) -> bool:
        return can_manage_report_lists(self._user)


# --- view guards ------------------------------------------------------------------------------

ViewFunc = Callable[..., HttpResponseBase]
DENIED = "Your role does not allow this."


def permission_required(predicate: Callable[[AnyUser], bool]) -> Callable[[ViewFunc], ViewFunc]:
    """Guard a view with a user-level predicate: log in first, then 403 unless it holds."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                # 403 rather than a redirect: the person is logged in and must see why.
                raise PermissionDenied(DENIED)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


change_required = permission_required(can_change)
"""Guard for views that change anything: logged in, and not a viewer."""

admin_required = permission_required(can_manage_users)
"""Guard for the admin's settings pages (users and teams)."""


class ChangeRequiredMixin(AccessMixin):
    """Class-based counterpart of `change_required`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can_change(request.user):
            raise PermissionDenied(DENIED)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response
