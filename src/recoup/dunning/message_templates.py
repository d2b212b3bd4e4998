"""Managers' message templates: saving one (checked in the sandbox, tone-checked, audited) and
previewing it on a real customer with what they owe today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from recoup.accounts.permissions import require_manager
from recoup.activities import tone
from recoup.audit.services import record_event
from recoup.dunning.composing import (
    MESSAGE_SAMPLE_VARIABLES,
    MESSAGE_VARIABLES,
    Composed,
    ComposeError,
    ItemLine,
    compose,
    template_problems,
)
from recoup.dunning.models import MESSAGE_CHANNELS, MessageTemplate
from recoup.ledger.models import Customer
from recoup.ledger.selectors import days_overdue, open_items
from recoup.playbook.rendering import RenderError, render

LANGUAGES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French"}
PREVIEW_LINK = "https://recoup.example/portal/(the customer's own link)"


class TemplateError(ValueError):
    """A template that was not saved; ``problems`` names each thing to correct."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ToneFlagged(TemplateError):
    """The text reads as rude or threatening; saved only when the manager confirms."""

    def __init__(self, flags: list[tone.ToneFlag]) -> None:
        super().__init__([f"“{f.phrase}”: {f.message}" for f in flags])
        self.flags = flags


@dataclass(frozen=True)
class Draft:
    key: str
    language: str
    channel: str
    name: str
    subject: str
    body: str


def draft_problems(draft: Draft) -> list[str]:
    problems = []
    if not draft.key or not draft.key.replace("-", "").replace("_", "").isalnum():
        problems.append("Key: letters, digits and hyphens only, e.g. overdue-notice.")
    if draft.language not in LANGUAGES:
        problems.append(f"Language: one of {', '.join(LANGUAGES)}.")
    if draft.channel not in {c.value for c in MESSAGE_CHANNELS}:
        problems.append("Channel: e-mail or letter.")
    if not draft.name.strip():
        problems.append("Name: give the template a name.")
    if not draft.subject.strip():
        problems.append("Subject: write a subject.")
    if not draft.body.strip():
        problems.append("Body: write the message.")
    return problems + template_problems(draft.subject, draft.body)


def tone_flags(subject: str, body: str) -> list[tone.ToneFlag]:
    """The tone check of the text as a customer would read it (filled with sample values)."""
    try:
        text = (
            render(subject, MESSAGE_SAMPLE_VARIABLES, MESSAGE_VARIABLES)
            + "\n"
            + render(body, MESSAGE_SAMPLE_VARIABLES, MESSAGE_VARIABLES)
        )
    except RenderError:
        text = subject + "\n" + body
    return list(tone.check(text))


def save_template(
    draft: Draft, *, actor: Any, now: dt.datetime, original: MessageTemplate | None = None, confirmed: bool = False
) -> MessageTemplate:
    """Create or change a template; every problem is named and nothing is saved while there is one.
    A text the tone check flags is saved only when ``confirmed``, and the flags are audited."""
    require_manager(actor, "edit message templates")
    problems = draft_problems(draft)
    clash = MessageTemplate.objects.filter(key=draft.key, language=draft.language)
    if original is not None:
        clash = clash.exclude(pk=original.pk)
    if clash.exists():
        problems.append(
            f"Key and language: there is already a “{draft.key}” template in {LANGUAGES.get(draft.language, draft.language)}."
        )
    if problems:
        raise TemplateError(problems)
    flags = tone_flags(draft.subject, draft.body)
    if flags and not confirmed:
        raise ToneFlagged(flags)
    with transaction.atomic():
        template = original or MessageTemplate()
        before = None if original is None else {"subject": original.subject, "body": original.body, "name": original.name}
        for field in ("key", "language", "channel", "name", "subject", "body"):
            setattr(template, field, getattr(draft, field))
        template.updated_by = actor
        template.save()
        after = {"key": template.key, "language": template.language, "subject": template.subject, "body": template.body}
        record_event(actor=actor, action="message_template.save", obj=template, before=before, after=after, at=now)
        if flags:
            record_event(
                actor=actor, action="message_template.tone_flagged", obj=template, after={"flags": tone.as_json(flags)}, at=now
            )
    return template


def preview(template: MessageTemplate, customer: Customer, *, as_of: dt.date) -> Composed:
    """The message ``template`` would make for ``customer`` from what they owe on ``as_of``
    (every open invoice; the portal link stands in as a placeholder: nothing is written)."""
    items = [
        ItemLine(i.pk, i.invoice_ref, i.issue_date, i.due_date, days_overdue(i.due_date, as_of), i.open_amount, i.currency)
        for i in open_items(customer, as_of)
        if not i.is_credit
    ]
    contact = customer.contacts.filter(role__iregex=r"^(billing|ap|accounts payable)$").first() or customer.contacts.first()
    try:
        return compose(
            customer=customer,
            contact=contact,
            step_or_template_key=template.key,
            items=items,
            as_of=as_of,
            link=PREVIEW_LINK,
            template=template,
        )
    except ComposeError as exc:
        raise TemplateError([str(exc)]) from None
