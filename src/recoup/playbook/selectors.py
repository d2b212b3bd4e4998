"""Reading call scripts and snippets, and rendering them for the call-prep sheet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from recoup.activities import tone
from recoup.playbook import rendering
from recoup.playbook.models import CallScript, Snippet
from recoup.worklist.rules import OBJECTIVES

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class RenderedScript:
    title: str
    text: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class RenderedSnippet:
    title: str
    text: str
    error: str = ""


def company_name() -> str:
    return getattr(settings, "RECOUP_COMPANY_NAME", "") or "our company"


def _languages(language: str) -> list[str]:
    """ "de-CH" → ["de-CH", "de", "en"]: the exact tag, its primary language, then English."""
    wanted = [language] if language else []
    primary = language.split("-", 1)[0] if language else ""
    for tag in (primary, FALLBACK_LANGUAGE):
        if tag and tag not in wanted:
            wanted.append(tag)
    return wanted


def script_for(objective: str, language: str = FALLBACK_LANGUAGE) -> CallScript | None:
    """The script for an objective in ``language``, else its primary language, else English."""
    found = {s.language: s for s in CallScript.objects.filter(objective=objective, language__in=_languages(language))}
    return next((found[tag] for tag in _languages(language) if tag in found), None)


def snippets(language: str = FALLBACK_LANGUAGE) -> list[Snippet]:
    """The snippets of the first of ``language``, its primary language, English that has any."""
    for tag in _languages(language):
        rows = list(Snippet.objects.filter(language=tag).order_by("position", "id"))
        if rows:
            return rows
    return []


def with_defaults(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Every script variable present: missing ones as "", the company name from settings."""
    filled: dict[str, Any] = {name: variables.get(name, "") for name in rendering.VARIABLES}
    for name, value in variables.items():
        filled.setdefault(name, value)
    if not filled.get("company_name"):
        filled["company_name"] = company_name()
    return filled


def render_script(objective: str, variables: Mapping[str, Any], language: str = FALLBACK_LANGUAGE) -> RenderedScript:
    """The script for the objective filled in; a template that fails gives its error, never an exception."""
    script = script_for(objective, language)
    if script is None:
        label = OBJECTIVES.get(objective, objective)
        return RenderedScript(title=label, text="", error=f"There is no call script for “{label}” yet.")
    try:
        text = rendering.render(script.body, with_defaults(variables), rendering.VARIABLES)
    except rendering.RenderError as exc:
        return RenderedScript(title=script.title, text="", error=str(exc))
    return RenderedScript(title=script.title, text=text)


def render_snippets(variables: Mapping[str, Any], language: str = FALLBACK_LANGUAGE) -> list[RenderedSnippet]:
    filled = with_defaults(variables)
    out = []
    for snippet in snippets(language):
        try:
            out.append(RenderedSnippet(title=snippet.title, text=rendering.render(snippet.body, filled, rendering.VARIABLES)))
        except rendering.RenderError as exc:
            out.append(RenderedSnippet(title=snippet.title, text="", error=str(exc)))
    return out


# The manager's pages.


def scripts_by_objective() -> list[dict[str, Any]]:
    """Every objective with the scripts written for it (in any language), in the objectives' order."""
    scripts = list(CallScript.objects.select_related("updated_by"))
    return [
        {"code": code, "label": label, "scripts": [s for s in scripts if s.objective == code]}
        for code, label in OBJECTIVES.items()
    ]


def all_snippets() -> list[Snippet]:
    return list(Snippet.objects.select_related("updated_by").all())


def script(pk: int) -> CallScript | None:
    return CallScript.objects.filter(pk=pk).first()


def snippet(pk: int) -> Snippet | None:
    return Snippet.objects.filter(pk=pk).first()


def preview(body: str) -> dict[str, Any]:
    """The body rendered with sample values, and what the tone check says about the result."""
    variables = with_defaults({**rendering.SAMPLE_VARIABLES, "company_name": company_name()})
    try:
        text = rendering.render(body, variables, rendering.VARIABLES)
    except rendering.RenderError as exc:
        return {"text": "", "error": str(exc), "flags": []}
    return {"text": text, "error": "", "flags": tone.check(text)}


def _shown(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list | tuple) else str(value)


def variables_help() -> list[dict[str, Any]]:
    """The variables a script may use, what each means and a sample value."""
    return [
        {"name": name, "description": description, "sample": _shown(rendering.SAMPLE_VARIABLES.get(name, ""))}
        for name, description in rendering.VARIABLES.items()
    ]
