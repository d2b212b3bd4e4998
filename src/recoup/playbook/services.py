"""Saving call scripts and snippets: validated in the sandbox, audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction

from recoup.audit.services import record_event
from recoup.playbook import rendering
from recoup.playbook.models import CallScript, Snippet
from recoup.worklist.rules import OBJECTIVES

# BCP 47 as people write it in practice: a language, then optional script/region subtags.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class PlaybookError(ValueError):
    """Every reason a script or snippet was refused, each a sentence for the manager."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _common_problems(*, language: str, title: str, body: str) -> list[str]:
    problems = []
    if not LANGUAGE_TAG.match(language):
        problems.append(f"Language “{language}” is not a language tag like “en” or “en-GB”.")
    if not title.strip():
        problems.append("The title is empty.")
    elif len(title) > 200:
        problems.append("The title is longer than 200 characters.")
    if not body.strip():
        problems.append("The text is empty.")
    else:
        problems.extend(rendering.validate(body, rendering.VARIABLES))
    return problems


def _script_data(script: CallScript) -> dict[str, Any]:
    return {"objective": script.objective, "language": script.language, "title": script.title, "body": script.body}


def _snippet_data(snippet: Snippet) -> dict[str, Any]:
    return {"title": snippet.title, "language": snippet.language, "body": snippet.body, "position": snippet.position}


def save_script(
    *,
    actor: Any,
    objective: str,
    language: str,
    title: str,
    body: str,
    script: CallScript | None = None,
    now: dt.datetime,
) -> CallScript:
    """Create or change a call script; refuses (PlaybookError) an invalid template and changes nothing."""
    language = language.strip()
    problems = []
    if objective not in OBJECTIVES:
        problems.append(f"Unknown objective “{objective}”.")
    problems.extend(_common_problems(language=language, title=title, body=body))
    clash = CallScript.objects.filter(objective=objective, language=language)
    if script is not None:
        clash = clash.exclude(pk=script.pk)
    if clash.exists():
        problems.append(f"There is already a script for “{OBJECTIVES.get(objective, objective)}” in “{language}”.")
    if problems:
        raise PlaybookError(problems)
    with transaction.atomic():
        before = _script_data(script) if script is not None else None
        if script is None:
            script = CallScript()
        script.objective = objective
        script.language = language
        script.title = title.strip()
        script.body = body
        script.updated_at = now
        script.updated_by = actor if getattr(actor, "pk", None) else None
        script.save()
        record_event(
            actor=actor,
            action="playbook.script.update" if before else "playbook.script.create",
            obj=script,
            before=before,
            after=_script_data(script),
            at=now,
        )
    return script


def save_snippet(
    *,
    actor: Any,
    title: str,
    language: str,
    body: str,
    position: int = 0,
    snippet: Snippet | None = None,
    now: dt.datetime,
) -> Snippet:
    """Create or change an objection snippet; refuses (PlaybookError) an invalid template and changes nothing."""
    language = language.strip()
    problems = _common_problems(language=language, title=title, body=body)
    if position < 0:
        problems.append("The position must be zero or more.")
    clash = Snippet.objects.filter(language=language, title=title.strip())
    if snippet is not None:
        clash = clash.exclude(pk=snippet.pk)
    if clash.exists():
        problems.append(f"There is already a snippet “{title.strip()}” in “{language}”.")
    if problems:
        raise PlaybookError(problems)
    with transaction.atomic():
        before = _snippet_data(snippet) if snippet is not None else None
        if snippet is None:
            snippet = Snippet()
        snippet.title = title.strip()
        snippet.language = language
        snippet.body = body
        snippet.position = position
        snippet.updated_at = now
        snippet.updated_by = actor if getattr(actor, "pk", None) else None
        snippet.save()
        record_event(
            actor=actor,
            action="playbook.snippet.update" if before else "playbook.snippet.create",
            obj=snippet,
            before=before,
            after=_snippet_data(snippet),
            at=now,
        )
    return snippet


def delete_snippet(*, actor: Any, snippet: Snippet, now: dt.datetime) -> None:
    with transaction.atomic():
        before = _snippet_data(snippet)
        record_event(actor=actor, action="playbook.snippet.delete", obj=snippet, before=before, after=None, at=now)
        snippet.delete()
