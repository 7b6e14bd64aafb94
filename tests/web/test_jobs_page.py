"""The Jobs page: admins see the schedule and the runs in words (failures with their error and
traceback), run a scheduled job now (audited); nobody else gets in; bad input is a 4xx."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recoup.accounts.models import AuditEntry
from recoup.ingest.tasks import import_leftovers_clean
from recoup.web.jobs import duration_words
from tests.web.conftest import World, client_for

JOBS = reverse("web:settings_jobs")
RUN = reverse("web:settings_jobs_run")
EXPORT = reverse("web:settings_jobs_export")


def test_durations_read_as_people_say_them() -> None:
    assert duration_words(0.04) == "0.0 s"
    assert duration_words(2.44) == "2.4 s"
    assert duration_words(42) == "42 s"
    assert duration_words(185) == "3 min"
    assert duration_words(2 * 3600 + 300) == "2 h 5 min"
    assert duration_words(3 * 86400) == "3 days"


def test_only_admins_see_the_jobs_page(world: World) -> None:
    for user in (world.manager, world.north_collector, world.viewer):
        assert client_for(user).get(JOBS).status_code == 403
        assert client_for(user).post(RUN, {"job": "import-leftovers"}).status_code == 403
    assert not DBTaskResult.objects.exists()
    response = client_for(world.admin).get(JOBS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Clean up what stopped imports left behind" in body
    assert "every 15 minutes" in body
    assert "No job has run yet." in body
    assert (
        reverse("web:settings_jobs")
        in client_for(world.admin).get(reverse("web:settings_users")).content.decode()
    )


def test_a_failed_run_shows_its_error_in_words_and_its_traceback(world: World) -> None:
    now = timezone.now()
    DBTaskResult.objects.create(
        task_path=import_leftovers_clean.module_path,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=now - timedelta(minutes=5),
        status="FAILED",
        started_at=now - timedelta(seconds=3),
        finished_at=now - timedelta(seconds=0.6),
        exception_class_path="django.db.utils.OperationalError",
        traceback='Traceback (most recent call last):\n  File "x.py", line 1\n'
        "django.db.utils.OperationalError: database is locked\n",
    )
    body = client_for(world.admin).get(JOBS).content.decode()
    assert "Failed" in body
    assert "database is locked (OperationalError)" in body
    assert "<details" in body
    assert "Traceback (most recent call last)" in body
    assert "2.4 s" in body


def test_run_now_queues_the_job_once_and_is_audited(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(RUN, {"job": "import-leftovers"})
    assert response.status_code == 302
    [run] = DBTaskResult.objects.filter(task_path=import_leftovers_clean.module_path)
    assert run in DBTaskResult.objects.ready()
    [entry] = AuditEntry.objects.filter(action="job_run_now")
    assert entry.actor == world.admin
    assert entry.object_id == "import-leftovers"
    assert entry.after == {"job": "Clean up what stopped imports left behind", "run": str(run.id)}
    # A second click before the worker started it queues nothing more.
    again = client.post(RUN, {"job": "import-leftovers"}, follow=True)
    assert "a run is already waiting for the worker" in again.content.decode()
    assert DBTaskResult.objects.count() == 1
    assert AuditEntry.objects.filter(action="job_run_now").count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"job": ""}, {"job": "no-such-job"}, {"job": "x" * 5000}, {"job": "\x00"}]
)
def test_bad_run_now_input_is_refused_with_a_message(world: World, data: dict[str, str]) -> None:
    response = client_for(world.admin).post(RUN, data)
    assert response.status_code == 422
    assert "scheduled job" in response.content.decode()
    assert not DBTaskResult.objects.exists()
    assert not AuditEntry.objects.filter(action="job_run_now").exists()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1" * 400])
def test_any_page_number_answers(world: World, page: str) -> None:
    assert client_for(world.admin).get(JOBS, {"page": page}).status_code == 200


def _ran(title_path: str, *, queued_minutes_ago: int, took: float | None) -> DBTaskResult:
    now = timezone.now()
    started = now - timedelta(minutes=queued_minutes_ago) + timedelta(seconds=1)
    return DBTaskResult.objects.create(
        task_path=title_path,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=now - timedelta(minutes=queued_minutes_ago),
        enqueued_at=now - timedelta(minutes=queued_minutes_ago),
        status="SUCCESSFUL" if took is not None else "RUNNING",
        started_at=started,
        finished_at=started + timedelta(seconds=took) if took is not None else None,
    )


def test_runs_sort_by_how_long_they_took_and_download_in_that_order(world: World) -> None:
    path = import_leftovers_clean.module_path
    quick = _ran(path, queued_minutes_ago=30, took=0.5)
    slow = _ran(path, queued_minutes_ago=20, took=42.0)
    running = _ran(path, queued_minutes_ago=10, took=None)
    admin = client_for(world.admin)
    body = admin.get(JOBS, {"sort": "-took"}).content.decode()
    assert 'aria-sort="descending"' in body
    assert "/settings/jobs/export/?sort=-took&amp;format=csv" in body
    for order in ("-took", "took"):
        rows = list(csv.reader(io.StringIO(_text(admin.get(EXPORT, {"sort": order})))))
        assert rows[0] == ["Job", "Status", "Queued", "Started", "Finished", "Seconds", "Error"]
        seconds = [r[5] for r in rows[1:]]
        # Still running: last whichever way round.
        expected = ["42", "0.5", ""] if order == "-took" else ["0.5", "42", ""]
        assert [s.rstrip("0").rstrip(".") if s else s for s in seconds] == expected
    newest = list(csv.reader(io.StringIO(_text(admin.get(EXPORT)))))
    assert [r[1] for r in newest[1:]] == ["Running", "Succeeded", "Succeeded"]
    assert {quick.pk, slow.pk, running.pk} == set(DBTaskResult.objects.values_list("pk", flat=True))
    assert admin.get(JOBS, {"sort": "job"}).status_code == 400
    assert admin.get(EXPORT, {"sort": "size"}).status_code == 400
    assert client_for(world.manager).get(EXPORT).status_code == 403


def _text(response: HttpResponseBase) -> str:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return content.decode("utf-8-sig")
