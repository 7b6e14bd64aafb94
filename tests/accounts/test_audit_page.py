"""The Audit page: who did what to which item and when, in words, for admins and for managers
about their teams' people; nobody else reads it, and no filter a person types breaks it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from recoup.accounts.audit_display import ACTION_PHRASES
from recoup.accounts.models import AuditEntry, Role, Team, User
from recoup.accounts.services import audit_record, team_create, team_member_add, user_create

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "recoup"


@dataclass
class People:
    admin: User
    manager: User
    north_collector: User
    south_collector: User
    viewer: User
    north: Team
    south: Team


def _person(username: str, role: Role, first: str, last: str) -> User:
    return user_create(
        username=username, password=None, role=role, first_name=first, last_name=last
    )


@pytest.fixture
def people() -> People:
    admin = _person("ada", Role.ADMIN, "Ada", "Lovelace")
    manager = _person("max", Role.MANAGER, "Max", "Planck")
    north_collector = _person("nina", Role.COLLECTOR, "Nina", "Nordström")
    south_collector = _person("sam", Role.COLLECTOR, "Sam", "Southey")
    viewer = _person("vera", Role.VIEWER, "Vera", "Viewer")
    north, south = team_create(name="North"), team_create(name="South")
    team_member_add(team=north, user=manager, is_lead=True)
    team_member_add(team=north, user=north_collector)
    team_member_add(team=south, user=south_collector)
    # Only the entries each test writes: the set-up's own entries would blur the counts.
    AuditEntry.objects.all().delete()
    return People(admin, manager, north_collector, south_collector, viewer, north, south)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _entry(at: str, **fields: Any) -> AuditEntry:
    entry = audit_record(**fields)
    # Services stamp entries with the current time; the date filters need known times.
    AuditEntry.objects.filter(pk=entry.pk).update(at=_at(at))
    return entry


@pytest.fixture
def trail(people: People) -> dict[str, AuditEntry]:
    return {
        "nina_checkin": _entry(
            "2026-03-02T09:00:00",
            action="okr_checkin_create",
            object_type="okr_key_result",
            object_id=7,
            after={"value": "480000", "confidence": "at_risk"},
            actor=people.north_collector,
            via="web",
        ),
        "sam_value": _entry(
            "2026-03-03T10:00:00",
            action="custom_value_record",
            object_type="custom_value",
            object_id=3,
            after={"metric": "qa_score", "value": "81"},
            actor=people.south_collector,
            via="web",
        ),
        "max_target": _entry(
            "2026-03-04T11:00:00",
            action="okr_key_result_update",
            object_type="okr_key_result",
            object_id=7,
            before={"title": "Cut 90+ days", "target": "400000"},
            after={"title": "Cut 90+ days", "target": "350000"},
            actor=people.manager,
            via="api",
        ),
        "ada_team": _entry(
            "2026-03-05T12:00:00",
            action="team_create",
            object_type="team",
            object_id=people.south.pk,
            after={"name": "South"},
            actor=people.admin,
        ),
        "import": _entry(
            "2026-03-06T13:00:00",
            action="import_update",
            object_type="customer",
            object_id=42,
            before={"segment": "SMB"},
            after={"segment": "Enterprise"},
            via="import",
        ),
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(html: bytes) -> str:
    """The page's words without tags or runs of white space, as a reader sees them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode())).strip()


def _rows(html: bytes) -> list[str]:
    body = html.decode().split("<tbody", 1)[1].split("</tbody>", 1)[0] if b"<tbody" in html else ""
    return [_text(row.encode()) for row in re.findall(r"<tr.*?</tr>", body, flags=re.S)]


def test_an_admin_reads_every_entry_in_words_newest_first(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    response = _client(people.admin).get("/audit/")
    assert response.status_code == 200
    rows = _rows(response.content)
    assert len(rows) == 5
    assert rows[0].startswith("6 Mar 2026, 13:00 Import changed a record Customer #42")
    assert "Ada Lovelace created a team" in rows[1]
    assert "Max Planck via API changed a key result Key result #7" in rows[2]
    assert "Sam Southey via Web recorded a custom metric value" in rows[3]
    assert "Nina Nordström via Web checked in a key result" in rows[4]
    assert "okr_checkin_create" not in response.content.decode()
    assert "nina" not in rows[4].split()


def test_a_manager_reads_only_what_the_people_of_their_teams_and_they_did(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    response = _client(people.manager).get("/audit/")
    assert response.status_code == 200
    page = _text(response.content)
    assert "Nina Nordström" in page
    assert "checked in a key result" in page
    assert "changed a key result" in page
    for unseen in ("Sam Southey", "recorded a custom metric value", "created a team", "Import"):
        assert unseen not in _text(response.content.split(b"<tbody", 1)[1]), unseen
    assert len(_rows(response.content)) == 2


def test_a_manager_cannot_filter_to_someone_outside_their_teams(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    response = _client(people.manager).get(f"/audit/?person={people.south_collector.pk}")
    assert response.status_code == 400
    assert "Sam Southey" not in response.content.decode()
    assert "recorded a custom metric value" not in response.content.decode()


@pytest.mark.parametrize("role", ["north_collector", "viewer"])
def test_collectors_and_viewers_are_refused(
    people: People, trail: dict[str, AuditEntry], role: str
) -> None:
    response = _client(getattr(people, role)).get("/audit/")
    assert response.status_code == 403
    assert b"checked in a key result" not in response.content


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get("/audit/?kind=team")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/audit/%3Fkind%3Dteam"


def test_the_audit_link_is_in_the_navigation_of_admins_and_managers_only(people: People) -> None:
    link = b'href="/audit/"'
    assert link in _client(people.admin).get("/audit/").content
    assert link in _client(people.manager).get("/audit/").content
    assert link not in _client(people.north_collector).get("/ledger/").content
    assert link not in _client(people.viewer).get("/ledger/").content


def test_filtering_by_person_keeps_only_their_entries(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    rows = _rows(_client(people.admin).get(f"/audit/?person={people.manager.pk}").content)
    assert len(rows) == 1
    assert "Max Planck" in rows[0]


def test_filtering_to_entries_without_a_person_shows_imports_and_jobs(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    rows = _rows(_client(people.admin).get("/audit/?person=none").content)
    assert len(rows) == 1
    assert rows[0].split(" ")[4] == "Import"


def test_filtering_by_item_kind_keeps_only_that_kind(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    response = _client(people.admin).get("/audit/?kind=okr_key_result")
    rows = _rows(response.content)
    assert len(rows) == 2
    assert all("Key result #7" in row for row in rows)
    assert b'<option value="okr_key_result" selected>Key result</option>' in response.content


def test_filtering_by_dates_includes_both_days(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    rows = _rows(
        _client(people.admin).get("/audit/?date_from=2026-03-03&date_to=2026-03-04").content
    )
    assert len(rows) == 2
    assert "Max Planck" in rows[0]
    assert "Sam Southey" in rows[1]


def test_the_changes_show_only_the_fields_that_changed(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    rows = _rows(_client(people.admin).get(f"/audit/?person={people.manager.pk}").content)
    assert "Target was 400000 → now 350000" in rows[0]
    assert "Title" not in rows[0]
    created = _rows(_client(people.admin).get("/audit/?kind=team").content)
    assert "Name South" in created[0]


def test_a_long_value_is_shortened_with_the_full_value_one_click_away(people: People) -> None:
    comment = "Called the accounts payable team; " * 6
    _entry(
        "2026-03-07T08:00:00",
        action="okr_checkin_create",
        object_type="okr_key_result",
        object_id=9,
        after={"comment": comment},
        actor=people.admin,
    )
    html = _client(people.admin).get("/audit/").content.decode()
    summary = re.search(r"<summary>(.*?)</summary>", html)
    assert summary is not None
    assert summary.group(1).endswith("…")
    assert len(summary.group(1)) < 70
    assert comment.strip() in html


def test_items_with_a_page_of_their_own_are_linked(
    people: People, trail: dict[str, AuditEntry]
) -> None:
    html = _client(people.admin).get("/audit/").content.decode()
    assert '<a href="/ledger/customers/42/">Customer #42</a>' in html
    assert '<a href="/okrs/key-results/7/">Key result #7</a>' in html
    assert "Team #" in html
    assert 'href="/settings/teams/"' not in html.split("<tbody", 1)[1]


def test_entries_come_fifty_a_page_newest_first(people: People) -> None:
    for n in range(55):
        _entry(
            f"2026-01-01T00:{n:02d}:00",
            action="team_create",
            object_type="team",
            object_id=n,
            actor=people.admin,
        )
    client = _client(people.admin)
    first, second = client.get("/audit/?kind=team"), client.get("/audit/?kind=team&page=2")
    assert [len(_rows(first.content)), len(_rows(second.content))] == [50, 5]
    assert "Team #54" in _rows(first.content)[0]
    assert "Team #0" in _rows(second.content)[-1]
    assert b'href="?kind=team&amp;page=2"' in first.content


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2026-02-30",
        "date_from=2026-13-01",
        "date_to=0000-00-00",
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        "date_from=yesterday",
        "date_from=2026-03-05&date_to=2026-03-01",
        "person=abc",
        "person=999999",
        "kind=%3Cscript%3E",
    ],
)
def test_filters_that_cannot_be_read_are_a_form_error_not_a_crash(
    people: People, trail: dict[str, AuditEntry], query: str
) -> None:
    response = _client(people.admin).get(f"/audit/?{query}")
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert b"<tbody" not in response.content


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999"])
def test_a_page_number_that_cannot_be_read_shows_a_page_anyway(
    people: People, trail: dict[str, AuditEntry], page: str
) -> None:
    response = _client(people.admin).get(f"/audit/?page={page}")
    assert response.status_code == 200
    assert len(_rows(response.content)) == 5


def test_every_action_the_code_records_reads_in_words() -> None:
    recorded: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for call in re.finditer(r"(?:audit_record|AuditEntry)\(", text):
            found = re.search(
                r'action=("[a-z0-9_]+"(?: if [^,\n]+? else "[a-z0-9_]+")?)',
                text[call.end() : call.end() + 600],
            )
            if found:
                recorded.update(re.findall(r'"([a-z0-9_]+)"', found.group(1)))
        # Helpers that pass the action on to `audit_record` take it first (`_token_audit`).
        recorded.update(re.findall(r'\b_\w+_audit\(\s*"([a-z0-9_]+)"', text))
    assert "okr_checkin_create" in recorded
    assert "import_update" in recorded
    assert sorted(recorded - ACTION_PHRASES.keys()) == []


def test_a_failed_log_in_reads_as_someone_trying_a_username(people: People) -> None:
    _entry(
        "2026-03-08T07:00:00",
        action="login_failed",
        object_type="login",
        object_id="ada",
        after={"ip": "192.0.2.7"},
        via="web",
    )
    rows = _rows(_client(people.admin).get("/audit/?kind=login").content)
    assert rows == [
        "8 Mar 2026, 07:00 Someone on the web failed to log in Log-in as ada IP 192.0.2.7"
    ]


def test_the_page_reads_a_fixed_number_of_queries_however_many_entries_it_shows(
    people: People, django_assert_max_num_queries: Any
) -> None:
    client = _client(people.manager)
    for n in range(60):
        _entry(
            f"2026-02-01T10:{n:02d}:00",
            action="okr_checkin_create",
            object_type="okr_key_result",
            object_id=n,
            after={"value": str(n)},
            actor=people.north_collector if n % 2 else people.manager,
        )
    # Session, user, the manager's team-mates, the person and kind choices, the count, one page,
    # and the bell's unread count in the top bar.
    with django_assert_max_num_queries(8):
        response = client.get("/audit/")
    assert len(_rows(response.content)) == 50


def test_a_user_is_linked_to_their_settings_page_for_admins_only(people: People) -> None:
    _entry(
        "2026-03-09T09:00:00",
        action="user_update",
        object_type="user",
        object_id=people.north_collector.pk,
        before={"role": "viewer"},
        after={"role": "collector"},
        actor=people.manager,
    )
    link = f'<a href="/settings/users/{people.north_collector.pk}/">'
    assert link in _client(people.admin).get("/audit/").content.decode()
    manager_page = _client(people.manager).get("/audit/").content.decode()
    assert f"User #{people.north_collector.pk}" in manager_page
    assert link not in manager_page
