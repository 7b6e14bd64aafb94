"""Each rule of `recoup.accounts.access` for each role, and for the inactive and the anonymous.

The tables below are docs/access.md written as data: a rule changes here and there together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import RequestFactory
from django.views import View

from recoup.accounts import access
from recoup.accounts.access import (
    COLLECTOR_IMPORT_KINDS,
    AnyUser,
    Can,
    ChangeRequiredMixin,
    admin_required,
    can_change,
    can_change_contact_rules,
    can_change_okrs,
    can_change_org_settings,
    can_check_in,
    can_import,
    can_import_something,
    can_manage_own_tokens,
    can_manage_report_lists,
    can_manage_users,
    can_override_contact_rules,
    can_override_status,
    can_place_accounts,
    can_plan_collectors_work,
    can_progress_initiative,
    can_read_all_audit,
    can_read_audit,
    can_read_org_settings,
    can_run_dunning,
    can_see_all_import_runs,
    can_see_import_run,
    can_see_target_suggestions,
    can_see_whole_ledger,
    can_set_agency_commissions,
    can_work_account,
    change_required,
    importable_kinds,
    permission_required,
    require,
    role_of,
)
from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.core.errors import AccessDeniedError
from recoup.ingest.kinds import KINDS
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.okrs.models import Cycle, Initiative, KeyResult, KeyResultKind, Objective

pytestmark = pytest.mark.django_db

PEOPLE = ("admin", "superuser", "manager", "collector", "viewer", "inactive_admin", "anonymous")
ADMINS = frozenset({"admin", "superuser"})
STEERING = ADMINS | {"manager"}
WORKING = STEERING | {"collector"}
ACTIVE = WORKING | {"viewer"}

# rule → who it allows, among PEOPLE. A superuser whose role field says "viewer" is an admin.
USER_RULES: dict[Callable[[AnyUser], bool], frozenset[str]] = {
    can_change: WORKING,
    can_change_okrs: STEERING,
    can_override_status: STEERING,
    can_see_target_suggestions: STEERING,
    can_read_org_settings: STEERING,
    can_change_org_settings: ADMINS,
    can_manage_users: ADMINS,
    can_import_something: WORKING,
    can_see_all_import_runs: STEERING,
    can_read_audit: STEERING,
    can_read_all_audit: ADMINS,
    can_run_dunning: STEERING,
    can_place_accounts: STEERING,
    can_set_agency_commissions: STEERING,
    can_see_whole_ledger: STEERING,
    can_manage_own_tokens: ACTIVE,
    can_work_account: WORKING,
    can_override_contact_rules: STEERING,
    can_plan_collectors_work: STEERING,
    can_manage_report_lists: STEERING,
    can_change_contact_rules: ADMINS,
}


def _person(name: str) -> AnyUser:
    if name == "anonymous":
        return AnonymousUser()
    role = {
        "admin": Role.ADMIN,
        "superuser": Role.VIEWER,
        "manager": Role.MANAGER,
        "collector": Role.COLLECTOR,
        "viewer": Role.VIEWER,
        "inactive_admin": Role.ADMIN,
    }[name]
    user = user_create(
        username=name, password=None, role=role, is_superuser=name == "superuser", actor=None
    )
    if name == "inactive_admin":
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("rule", list(USER_RULES), ids=lambda rule: rule.__name__)
def test_each_rule_allows_exactly_the_roles_of_its_table(
    rule: Callable[[AnyUser], bool], person: str
) -> None:
    assert rule(_person(person)) is (person in USER_RULES[rule])


def test_the_table_covers_every_rule_the_module_exports() -> None:
    rules = {name for name in dir(access) if name.startswith("can_")}
    item_rules = {"can_check_in", "can_progress_initiative", "can_import", "can_see_import_run"}
    assert rules == {rule.__name__ for rule in USER_RULES} | item_rules


def test_a_superuser_counts_as_an_admin_and_the_inactive_and_anonymous_have_no_role() -> None:
    assert role_of(_person("superuser")) == Role.ADMIN
    assert role_of(_person("collector")) == Role.COLLECTOR
    assert role_of(_person("inactive_admin")) is None
    assert role_of(AnonymousUser()) is None


# --- rules about one item ---------------------------------------------------------------------


@dataclass
class Okrs:
    people: dict[str, AnyUser]
    other_collector: User
    viewer_owned: KeyResult
    collectors_own: KeyResult
    of_collectors_objective: KeyResult
    someone_elses: KeyResult
    collectors_initiative: Initiative
    initiative_of_collectors_kr: Initiative
    someone_elses_initiative: Initiative


@pytest.fixture
def okrs() -> Okrs:
    people = {name: _person(name) for name in PEOPLE}
    collector, viewer, manager = people["collector"], people["viewer"], people["manager"]
    assert isinstance(collector, User)
    assert isinstance(viewer, User)
    assert isinstance(manager, User)
    other = user_create(username="other", password=None, role=Role.COLLECTOR)
    cycle = Cycle.objects.create(name="Q", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30))
    managers = Objective.objects.create(cycle=cycle, key="m", title="M", owner=manager)
    collectors = Objective.objects.create(cycle=cycle, key="c", title="C", owner=collector)

    def kr(objective: Objective, key: str, owner: User | None) -> KeyResult:
        return KeyResult.objects.create(
            objective=objective, key=key, title=key, kind=KeyResultKind.MILESTONE, owner=owner
        )

    def initiative(key_result: KeyResult, key: str, owner: User | None) -> Initiative:
        return Initiative.objects.create(key_result=key_result, key=key, title=key, owner=owner)

    own = kr(managers, "own", collector)
    elses = kr(managers, "elses", other)
    return Okrs(
        people=people,
        other_collector=other,
        viewer_owned=kr(managers, "viewers", viewer),
        collectors_own=own,
        of_collectors_objective=kr(collectors, "under", None),
        someone_elses=elses,
        collectors_initiative=initiative(elses, "mine", collector),
        initiative_of_collectors_kr=initiative(own, "theirs", other),
        someone_elses_initiative=initiative(elses, "not-mine", other),
    )


def test_managers_and_admins_check_in_any_key_result(okrs: Okrs) -> None:
    for name in STEERING:
        for kr in (okrs.viewer_owned, okrs.collectors_own, okrs.someone_elses):
            assert can_check_in(okrs.people[name], kr), (name, kr.key)


def test_a_collector_checks_in_the_key_results_they_own_or_whose_objective_they_own(
    okrs: Okrs,
) -> None:
    collector = okrs.people["collector"]
    assert can_check_in(collector, okrs.collectors_own)
    assert can_check_in(collector, okrs.of_collectors_objective)
    assert not can_check_in(collector, okrs.someone_elses)
    assert not can_check_in(collector, okrs.viewer_owned)


def test_a_viewer_never_checks_in_not_even_a_key_result_they_own(okrs: Okrs) -> None:
    assert not can_check_in(okrs.people["viewer"], okrs.viewer_owned)


def test_the_inactive_and_the_anonymous_check_in_nothing(okrs: Okrs) -> None:
    for name in ("inactive_admin", "anonymous"):
        assert not can_check_in(okrs.people[name], okrs.collectors_own)
    collector = okrs.people["collector"]
    assert isinstance(collector, User)
    collector.is_active = False
    assert not can_check_in(collector, okrs.collectors_own)


def test_a_collector_moves_along_the_initiatives_they_own_or_whose_key_result_they_own(
    okrs: Okrs,
) -> None:
    collector = okrs.people["collector"]
    assert can_progress_initiative(collector, okrs.collectors_initiative)
    assert can_progress_initiative(collector, okrs.initiative_of_collectors_kr)
    assert not can_progress_initiative(collector, okrs.someone_elses_initiative)
    assert can_progress_initiative(okrs.people["manager"], okrs.someone_elses_initiative)
    for name in ("viewer", "inactive_admin", "anonymous"):
        assert not can_progress_initiative(okrs.people[name], okrs.collectors_initiative)


def test_every_kind_a_collector_may_import_is_a_kind_the_importer_knows() -> None:
    assert not COLLECTOR_IMPORT_KINDS - set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_managers_and_admins_import_every_kind_and_viewers_none(kind: str) -> None:
    for name in PEOPLE:
        assert can_import(_person(name), kind) is (
            name in STEERING or (name == "collector" and kind in COLLECTOR_IMPORT_KINDS)
        ), name


def test_a_collector_imports_their_work_but_not_money_or_who_works_which_debtor() -> None:
    collector = _person("collector")
    for kind in ("activities", "promises", "disputes", "contact-points", "payment-plans"):
        assert can_import(collector, kind), kind
    for kind in ("write-offs", "credit-notes", "adjustments", "fx-rates", "assignments"):
        assert not can_import(collector, kind), kind
    for kind in ("agencies", "placements", "customers", "invoices", "payments"):
        assert not can_import(collector, kind), kind


def test_the_kinds_offered_keep_the_importers_order() -> None:
    assert importable_kinds(_person("manager"), KINDS) == tuple(KINDS)
    offered = importable_kinds(_person("collector"), KINDS)
    assert set(offered) == COLLECTOR_IMPORT_KINDS
    assert list(offered) == [k for k in KINDS if k in COLLECTOR_IMPORT_KINDS]
    assert importable_kinds(_person("viewer"), KINDS) == ()


def _run(by: User | None) -> ImportRun:
    return ImportRun.objects.create(
        kind="activities",
        file_name="calls.csv",
        started_at=datetime(2026, 7, 1, tzinfo=UTC),
        status=ImportStatus.SUCCEEDED,
        started_by=by,
    )


def test_an_import_run_is_seen_by_its_author_managers_and_admins_only() -> None:
    people = {name: _person(name) for name in PEOPLE}
    author = people["collector"]
    assert isinstance(author, User)
    theirs, from_the_command_line = _run(author), _run(None)
    other = user_create(username="other", password=None, role=Role.COLLECTOR)
    assert can_see_import_run(author, theirs)
    assert not can_see_import_run(other, theirs)
    assert not can_see_import_run(author, from_the_command_line)
    for name in STEERING:
        assert can_see_import_run(people[name], theirs)
        assert can_see_import_run(people[name], from_the_command_line)
    for name in ("viewer", "inactive_admin", "anonymous"):
        assert not can_see_import_run(people[name], theirs)
    author.is_active = False
    assert not can_see_import_run(author, theirs)


# --- templates, services and guards -----------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE)
def test_can_answers_in_templates_what_the_rules_answer(person: str) -> None:
    user = _person(person)
    can = Can(user)
    for rule in USER_RULES:
        assert getattr(can, rule.__name__.removeprefix("can_")) is rule(user), rule.__name__


def test_require_refuses_with_the_message_the_interfaces_show() -> None:
    require(True, "never shown")
    with pytest.raises(AccessDeniedError, match="only an admin changes the cadence"):
        require(False, "only an admin changes the cadence")


@permission_required(can_run_dunning)
def _dunning_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("dunning started")


@change_required
def _change_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("changed")


@admin_required
def _admin_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("configured")


class _ChangeView(ChangeRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("changed by a class")


def _request(user: AnyUser) -> HttpRequest:
    request = RequestFactory().post("/somewhere/")
    request.user = user  # type: ignore[assignment]  # a User or AnonymousUser, as in a request
    return request


@pytest.mark.parametrize("person", PEOPLE)
def test_each_guard_lets_through_whom_its_rule_allows(person: str) -> None:
    user = _person(person)
    guarded: list[tuple[Callable[[HttpRequest], HttpResponseBase], Callable[[AnyUser], bool]]] = [
        (_dunning_view, can_run_dunning),
        (_change_view, can_change),
        (_admin_view, can_manage_users),
        (_ChangeView.as_view(), can_change),
    ]
    for view, rule in guarded:
        if not user.is_authenticated:
            response = view(_request(user))
            assert response.status_code == 302
            assert response["Location"] == "/login/?next=/somewhere/"
        elif rule(user):
            assert view(_request(user)).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                view(_request(user))
