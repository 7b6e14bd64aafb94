"""The log-in lock-out under parallel guesses: at most `LOGIN_MAX_FAILURES` passwords are checked,
however many requests for one username from one address arrive at once.

Each guess runs in its own thread with its own database connection, so the database, not the
test, decides who gets a slot. On SQLite this needs a database file (`make test-sqlite` runs this
module with RECOUP_TEST_DATABASE_FILE=1): Django's in-memory test database shares one cache
between connections, where a second writer fails at once instead of waiting its turn.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection, connections
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.web.forms import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from recoup.web.models import LoginAttempt, LoginOutcome
from recoup.web.services import login_attempt_claim, login_attempt_fail, login_attempt_succeed

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 5
GUESSES = 30
PASSWORD = "correct horse battery staple 42"
ATTACKER = "203.0.113.7"


class CountingBackend(ModelBackend):
    """Django's backend, counting the passwords it is asked to check."""

    checks = 0
    lock = threading.Lock()

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        with CountingBackend.lock:
            CountingBackend.checks += 1
        # As slow as a real Argon2 check, so the guesses overlap as they do in production.
        time.sleep(0.05)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return user if isinstance(user, User) else None


@pytest.fixture(autouse=True)
def _counted_checks(settings: Settings) -> Iterator[None]:
    if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
        # Threads on Django's shared in-memory database lock each other out: the race is not
        # measured there, so say how to run it rather than pass (make test sets it).
        pytest.fail("needs a database file on SQLite: run with RECOUP_TEST_DATABASE_FILE=1")
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.CountingBackend"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_MAX_FAILURES = LIMIT
    settings.LOGIN_LOCKOUT_MINUTES = 15
    CountingBackend.checks = 0
    yield
    CountingBackend.checks = 0


@pytest.fixture
def nina() -> User:
    return user_create(username="nina", password=PASSWORD, role=Role.ADMIN, first_name="Nina")


def _guess_in_parallel(form_class: type[ThrottledAuthenticationForm], count: int) -> Counter[str]:
    """`count` wrong passwords for nina from one address, released at once; the outcome of each
    ("invalid_login", "locked", or an exception's name)."""
    start = threading.Barrier(count)
    outcomes: Counter[str] = Counter()
    outcomes_lock = threading.Lock()

    def guess(number: int) -> None:
        request = RequestFactory().post("/login/", REMOTE_ADDR=ATTACKER)
        form = form_class(request, data={"username": "nina", "password": f"guess {number}"})
        try:
            start.wait()
            form.is_valid()
            outcome = ",".join(error.code or "" for error in form.non_field_errors().as_data())
        except Exception as error:  # a crash is an outcome the test reports
            outcome = type(error).__name__
        finally:
            connections.close_all()
        with outcomes_lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.parametrize(
    "form_class",
    [ThrottledAuthenticationForm, ThrottledAdminAuthenticationForm],
    ids=["login page", "admin login"],
)
def test_thirty_parallel_guesses_check_at_most_the_limit_of_passwords(
    nina: User, form_class: type[ThrottledAuthenticationForm]
) -> None:
    outcomes = _guess_in_parallel(form_class, GUESSES)
    assert sum(outcomes.values()) == GUESSES, outcomes
    assert CountingBackend.checks <= LIMIT, outcomes
    # Every guess was answered, none crashed, and the lock was reached, not just narrowly missed.
    assert set(outcomes) <= {"invalid_login", "locked"}, outcomes
    assert outcomes["locked"] >= GUESSES - LIMIT
    assert CountingBackend.checks == LIMIT
    failed = LoginAttempt.objects.filter(username="nina", ip=ATTACKER)
    assert failed.count() == LIMIT
    assert set(failed.values_list("outcome", flat=True)) == {LoginOutcome.FAILED}


def test_the_right_password_is_refused_too_once_parallel_guesses_locked_the_address(
    nina: User,
) -> None:
    _guess_in_parallel(ThrottledAuthenticationForm, GUESSES)
    checks_before = CountingBackend.checks
    request = RequestFactory().post("/login/", REMOTE_ADDR=ATTACKER)
    form = ThrottledAuthenticationForm(request, data={"username": "nina", "password": PASSWORD})
    assert not form.is_valid()
    assert [error.code for error in form.non_field_errors().as_data()] == ["locked"]
    assert CountingBackend.checks == checks_before


def test_the_owner_logs_in_from_her_own_address_while_another_is_locked(nina: User) -> None:
    _guess_in_parallel(ThrottledAuthenticationForm, GUESSES)
    request = RequestFactory().post("/login/", REMOTE_ADDR="198.51.100.20")
    form = ThrottledAuthenticationForm(request, data={"username": "nina", "password": PASSWORD})
    assert form.is_valid(), form.errors
    assert LoginAttempt.objects.filter(username="nina", ip=ATTACKER).count() == LIMIT


def test_a_success_does_not_erase_a_guess_still_being_checked_beside_it(nina: User) -> None:
    earlier_failure = login_attempt_claim(username="nina", ip=ATTACKER).attempt
    assert earlier_failure is not None
    login_attempt_fail(attempt=earlier_failure)
    racing_guess = login_attempt_claim(username="nina", ip=ATTACKER).attempt
    success = login_attempt_claim(username="nina", ip=ATTACKER).attempt
    assert racing_guess is not None
    assert success is not None
    login_attempt_succeed(attempt=success)
    left = LoginAttempt.objects.filter(username="nina", ip=ATTACKER)
    assert list(left.values_list("pk", "outcome")) == [(racing_guess.pk, LoginOutcome.CHECKING)]
    login_attempt_fail(attempt=racing_guess)
    assert left.get().outcome == LoginOutcome.FAILED


def test_a_slot_frees_when_its_failure_leaves_the_window_and_no_sooner(nina: User) -> None:
    start = timezone.now()
    for _ in range(LIMIT):
        attempt = login_attempt_claim(username="nina", ip=ATTACKER, now=start).attempt
        assert attempt is not None
        login_attempt_fail(attempt=attempt, now=start)
    window, second = timedelta(minutes=15), timedelta(seconds=1)
    refused = login_attempt_claim(username="nina", ip=ATTACKER, now=start + window - second)
    assert refused.attempt is None
    assert refused.locked_until == start + window
    later = login_attempt_claim(username="nina", ip=ATTACKER, now=start + window)
    assert later.attempt is not None
    assert LoginAttempt.objects.filter(username="nina", ip=ATTACKER).count() == LIMIT
