"""One of each dunning item a page acts on, for a customer: a run with a message (and its
letter) to them, and a template of the default policy."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from recoup.dunning.models import Level, Message, MessageStatus, MessageTemplate, Run
from recoup.ledger.models import Customer
from tests.dunning.conftest import default_policy_add


def dunning_items(customer: Customer) -> dict[str, str]:
    default_policy_add()
    level = Level.objects.get(policy__is_default=True, position=2)
    run = Run.objects.create(as_of=timezone.localdate())
    message = Message.objects.create(
        run=run,
        customer=customer,
        level=level,
        channel=level.channel,
        status=MessageStatus.FAILED,
        reason="no working e-mail for this customer",
        send_at=timezone.now(),
        subject="Payment reminder",
        body_text="Dear customer",
        key=f"{customer.pk}:{level.pk}:{run.as_of.isoformat()}",
    )
    message.letter.save(f"letter-{message.pk}.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    template = MessageTemplate.objects.get(level=level, language="en")
    return {
        "dunning_run_id": str(run.pk),
        "message_id": str(message.pk),
        "template_id": str(template.pk),
    }
