"""Dunning's writers: policies loaded from YAML, a customer's override, a template saved, and a
run prepared (selection, rendering, contact rules; nothing sent) then approved (sent). Each is
audited; each checks the actor's right when it is given one (a job acts for the organisation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.accounts.access import can_run_dunning, require
from recoup.accounts.models import Team, User
from recoup.accounts.services import audit_record
from recoup.core.errors import RecoupError
from recoup.dunning.compose import Draft, drafts_make
from recoup.dunning.conditions import judge_for
from recoup.dunning.models import (
    CustomerOverride,
    Level,
    Message,
    MessageStatus,
    MessageTemplate,
    Policy,
    Run,
)
from recoup.dunning.policy_file import PolicyFileError, PolicySpec, policies_parse
from recoup.dunning.rendering import RenderError, render_message
from recoup.dunning.selection import select
from recoup.ledger.models import Customer

STEERING_ONLY = "Only managers and admins run dunning and change its policies."


class DunningError(RecoupError, ValueError):
    pass


def _allowed(actor: User | None) -> None:
    require(actor is None or can_run_dunning(actor), STEERING_ONLY)


@transaction.atomic
def policies_load(*, actor: User | None, text: str, via: str = "") -> list[Policy]:
    """Creates or replaces the policies a YAML file names (by name), levels and templates
    included. A level that messages were sent under keeps its row (renamed in place)."""
    _allowed(actor)
    specs = policies_parse(text)
    teams = {t.name: t for t in Team.objects.all()}
    missing = sorted({s.team for s in specs if s.team and s.team not in teams})
    if missing:
        raise PolicyFileError([f"no team named {name!r}" for name in missing])
    if any(s.default for s in specs):
        Policy.objects.filter(is_default=True).exclude(
            name__in=[s.name for s in specs if s.default]
        ).update(is_default=False)
    out = [_policy_write(spec, teams.get(spec.team)) for spec in specs]
    audit_record(
        action="dunning_policies_load",
        object_type="dunning_policy",
        object_id=",".join(str(p.pk) for p in out),
        after={"policies": [s.name for s in specs]},
        actor=actor,
        via=via,
    )
    return out


def _policy_write(spec: PolicySpec, team: Team | None) -> Policy:
    policy, _ = Policy.objects.update_or_create(
        name=spec.name,
        defaults={
            "description": spec.description,
            "is_default": spec.default,
            "auto_send": spec.auto_send,
            "team": team,
            "segment": spec.segment,
        },
    )
    old = {lv.position: lv for lv in policy.levels.all()}
    keep: list[int] = []
    for position, lv in enumerate(spec.levels, start=1):
        fields: dict[str, Any] = {
            "name": lv.name,
            "days": lv.days,
            "channel": lv.channel,
            "min_gap_days": lv.gap,
            "tolerance_minor": lv.tolerance.minor if lv.tolerance else 0,
            "tolerance_currency": lv.tolerance.currency if lv.tolerance else "",
            "min_amount_minor": lv.min_amount.minor if lv.min_amount else None,
            "min_amount_currency": lv.min_amount.currency if lv.min_amount else "",
            "segment": lv.segment,
            "max_likelihood": lv.max_likelihood,
        }
        level = old.get(position)
        if level is None:
            level = Level.objects.create(policy=policy, position=position, **fields)
        else:
            for name, value in fields.items():
                setattr(level, name, value)
            level.save()
        keep.append(level.pk)
        for t in lv.templates:
            MessageTemplate.objects.update_or_create(
                level=level, language=t.language, defaults={"subject": t.subject, "body": t.body}
            )
    gone = policy.levels.exclude(pk__in=keep)
    if Message.objects.filter(level__in=gone).exists():
        raise PolicyFileError(
            [f"policy {spec.name!r}: levels that messages went out under cannot be removed"]
        )
    gone.delete()
    return policy


@transaction.atomic
def override_set(
    *,
    actor: User | None,
    customer: Customer,
    reason: str,
    paused_until: date | None = None,
    policy: Policy | None = None,
    via: str = "",
) -> CustomerOverride:
    _allowed(actor)
    if not reason.strip():
        raise DunningError("say why this customer is treated differently")
    if paused_until is None and policy is None:
        raise DunningError("give a day to pause until, or another policy")
    override = CustomerOverride.objects.create(
        customer=customer,
        paused_until=paused_until,
        policy=policy,
        reason=reason.strip()[:300],
        created_by=actor,
    )
    audit_record(
        action="dunning_override_set",
        object_type="customer",
        object_id=customer.pk,
        after={
            "paused_until": paused_until.isoformat() if paused_until else None,
            "policy": policy.name if policy else None,
            "reason": override.reason,
        },
        actor=actor,
        via=via,
    )
    return override


@transaction.atomic
def template_save(
    *, actor: User | None, template: MessageTemplate, subject: str, body: str, via: str = ""
) -> MessageTemplate:
    """Saves a template once it compiles (a broken one is refused, naming the line)."""
    _allowed(actor)
    try:
        render_message(name="this template", subject=subject, body=body, context={})
    except RenderError as error:
        raise DunningError(str(error)) from None
    before = {"subject": template.subject, "body": template.body}
    template.subject, template.body = subject, body
    template.save(update_fields=["subject", "body", "updated_at"])
    audit_record(
        action="dunning_template_save",
        object_type="dunning_template",
        object_id=template.pk,
        before=before,
        after={"subject": subject, "body": body},
        actor=actor,
        via=via,
    )
    return template


def _message_of(run: Run, draft: Draft) -> Message:
    c = draft.candidate
    r = draft.rendered
    return Message(
        run=run,
        customer_id=c.customer_id,
        level=c.level,
        template_id=draft.template_id,
        language=draft.language,
        channel=c.level.channel,
        status=draft.status,
        reason=draft.reason,
        blocked_until=draft.blocked_until,
        send_at=draft.send_at or timezone.now(),
        contact_point_id=draft.contact_point_id,
        address=draft.address[:300],
        subject=r.subject[:300] if r else "",
        body_text=r.text if r else "",
        body_html=r.html if r else "",
        items=[
            {
                "invoice_id": i.invoice_id,
                "number": item["number"],
                "issued": i.issued.isoformat(),
                "due": i.due.isoformat(),
                "open_minor": i.open_minor,
                "currency": i.currency,
            }
            for i, item in zip(c.items, (draft.context or {}).get("items", []), strict=True)
        ],
        totals=c.totals,
        key=f"{c.customer_id}:{c.level.pk}:{run.as_of.isoformat()}",
    )


def run_prepare(
    *, actor: User | None, as_of: date, policy: Policy | None = None, via: str = ""
) -> Run:
    """Prepares the run of `as_of`: who gets what, rendered and checked; nothing is sent. A
    policy that sends on its own is sent at once."""
    _allowed(actor)
    selection = select(day=as_of, policy=policy, judge_for=judge_for(as_of))
    drafts = drafts_make(selection.candidates, as_of)
    with transaction.atomic():
        run = Run.objects.create(
            as_of=as_of, policy=policy, prepared_by=actor, left_out=dict(selection.left_out)
        )
        try:
            with transaction.atomic():
                Message.objects.bulk_create([_message_of(run, d) for d in drafts], batch_size=500)
        except IntegrityError:
            # Another run of the same day took some of these steps meanwhile: keep the rest.
            Message.objects.bulk_create(
                [_message_of(run, d) for d in drafts], batch_size=500, ignore_conflicts=True
            )
        audit_record(
            action="dunning_run_prepare",
            object_type="dunning_run",
            object_id=run.pk,
            after={"as_of": as_of.isoformat(), **run_counts(run)},
            actor=actor,
            via=via,
        )
    if policy is not None and policy.auto_send:
        from recoup.dunning.sending import run_approve

        run_approve(actor=None, run=run, via=via or "auto-send")
    return run


def run_counts(run: Run) -> dict[str, int]:
    counts = dict.fromkeys(MessageStatus.values, 0)
    for status in run.messages.values_list("status", flat=True):
        counts[status] += 1
    counts["left_out"] = sum(int(v) for v in run.left_out.values())
    return counts
