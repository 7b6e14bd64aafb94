"""The Jobs page: admins see the schedule and the runs in words (failures with their error and
traceback), run a scheduled job now (audited); nobody else gets in; bad input is a 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recoup.accounts.models import AuditEntry
from recoup.ingest.tasks import import_leftovers_clean
from recoup.web.jobs import duration_words
from tests.web.conftest import World, client_for

JOBS = reverse("web:settings_jobs")
RUN = reverse("web:settings_jobs_run")


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
