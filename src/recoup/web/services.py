"""Writers for the web shell: claiming, failing and forgetting log-in attempts; running a
scheduled job now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from recoup.accounts.models import User
from recoup.accounts.services import audit_record
from recoup.core.errors import NotFoundError
from recoup.core.schedule import job_enqueue_now, scheduled_job
from recoup.web.models import LoginAttempt, LoginOutcome
from recoup.web.selectors import login_locked_until, login_slots_taken, login_window


@dataclass(frozen=True, slots=True)
class LoginClaim:
    """A slot taken for one password check, or, when none was free, when the lock ends."""

    attempt: LoginAttempt | None
    locked_until: datetime | None


@transaction.atomic
def login_attempt_claim(*, username: str, ip: str, now: datetime | None = None) -> LoginClaim:
    """Take a free slot for one password check of `username` from `ip` before checking it.

    Reading the failures and then checking the password let parallel guesses each read "under
    the limit" before any of them wrote its failure (30 guesses at once, 30 passwords checked
    against a limit of 5). Here the database decides: a slot is
    free only while no row holds it (the unique constraint refuses a second insert) or its
    attempt left the window (a conditional UPDATE takes it over, and a parallel one finds the
    time already moved). The read below only picks which slots to try.
    """
    now = now or timezone.now()
    key = username.lower()
    cutoff = now - login_window()
    held = dict(LoginAttempt.objects.filter(username=key, ip=ip).values_list("slot", "at"))
    for slot in range(1, settings.LOGIN_MAX_FAILURES + 1):
        if slot in held and held[slot] > cutoff:
            continue
        claimed = _slot_take(
            username=key, ip=ip, slot=slot, at=now, cutoff=cutoff, expired=slot in held
        )
        if claimed is not None:
            return LoginClaim(attempt=claimed, locked_until=None)
    live = login_slots_taken(username=key, ip=ip, now=now)
    if len(live) < settings.LOGIN_MAX_FAILURES:
        # A success freed slots after they were tried: this guess is refused all the same, and
        # the next may be tried at once.
        return LoginClaim(attempt=None, locked_until=now)
    return LoginClaim(attempt=None, locked_until=min(live.values()) + login_window())


def _slot_take(
    *, username: str, ip: str, slot: int, at: datetime, cutoff: datetime, expired: bool
) -> LoginAttempt | None:
    if expired:
        taken = LoginAttempt.objects.filter(
            username=username, ip=ip, slot=slot, at__lte=cutoff
        ).update(at=at, outcome=LoginOutcome.CHECKING)
        if not taken:
            return None
        return LoginAttempt.objects.get(username=username, ip=ip, slot=slot)
    try:
        # A savepoint, so a lost race leaves the claim's transaction usable on PostgreSQL.
        with transaction.atomic():
            return LoginAttempt.objects.create(username=username, ip=ip, slot=slot, at=at)
    except IntegrityError:
        return None


@transaction.atomic
def login_attempt_fail(*, attempt: LoginAttempt, now: datetime | None = None) -> datetime | None:
    """Count the claimed attempt as failed; return when the resulting lock ends, if it is locked."""
    now = now or timezone.now()
    LoginAttempt.objects.filter(pk=attempt.pk, at=attempt.at).update(outcome=LoginOutcome.FAILED)
    locked_until = login_locked_until(username=attempt.username, ip=attempt.ip, now=now)
    audit_record(
        action="login_locked" if locked_until else "login_failed",
        object_type="login",
        object_id=attempt.username,
        after={
            "ip": attempt.ip,
            **({"locked_until": locked_until.isoformat()} if locked_until else {}),
        },
        via="web",
    )
    return locked_until


@transaction.atomic
def login_attempt_succeed(*, attempt: LoginAttempt) -> int:
    """Free the claimed slot and forget the failures that came before this success.

    Attempts still being checked, and any claimed after this one, stay counted: a guess racing
    the right password from the same address must not be erased by it.
    """
    earlier_failures = Q(outcome=LoginOutcome.FAILED, at__lte=attempt.at)
    deleted, _ = (
        LoginAttempt.objects.filter(username=attempt.username, ip=attempt.ip)
        .filter(Q(pk=attempt.pk) | earlier_failures)
        .delete()
    )
    return deleted


@transaction.atomic
def job_run_now(*, key: str, actor: User | None, via: str) -> str | None:
    """Queue a run of the scheduled job `key` due at once (the Jobs page's "Run now"), audited;
    returns the run's id, or None when a run due at once had not started yet (nothing queued)."""
    job = scheduled_job(key)
    if job is None:
        raise NotFoundError(f"no scheduled job is called {key!r}")
    run_id = job_enqueue_now(job)
    if run_id is not None:
        audit_record(
            action="job_run_now",
            object_type="job",
            object_id=key,
            after={"job": job.title, "run": run_id},
            actor=actor,
            via=via,
        )
    return run_id
