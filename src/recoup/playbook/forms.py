"""Forms for call scripts and snippets; the template checks are rendering.validate's."""

from __future__ import annotations

from typing import Any

from django import forms

from recoup.playbook import rendering
from recoup.playbook.models import OBJECTIVE_CHOICES, CallScript, Snippet
from recoup.playbook.services import LANGUAGE_TAG

_BODY_ATTRS = {"rows": 18, "spellcheck": "true", "class": "mono", "aria-describedby": "variables-help"}


def _clean_language(value: str) -> str:
    value = value.strip()
    if not LANGUAGE_TAG.match(value):
        raise forms.ValidationError("Use a language tag like “en”, “en-GB” or “de”.")
    return value


def _clean_body(value: str) -> str:
    problems = rendering.validate(value, rendering.VARIABLES)
    if problems:
        raise forms.ValidationError(problems)
    return value


class ScriptForm(forms.Form):
    objective = forms.ChoiceField(choices=OBJECTIVE_CHOICES)
    language = forms.CharField(max_length=35, initial="en", help_text="BCP 47 tag; collectors fall back to “en”.")
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs=_BODY_ATTRS), max_length=rendering.MAX_TEMPLATE_CHARS, strip=False, label="Script"
    )

    def clean_language(self) -> str:
        return _clean_language(self.cleaned_data["language"])

    def clean_body(self) -> str:
        return _clean_body(self.cleaned_data["body"])

    @staticmethod
    def initial_for(script: CallScript | None, objective: str = "") -> dict[str, Any]:
        if script is None:
            return {"objective": objective, "language": "en"}
        return {"objective": script.objective, "language": script.language, "title": script.title, "body": script.body}


class SnippetForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="The objection, as the customer would say it.")
    language = forms.CharField(max_length=35, initial="en")
    position = forms.IntegerField(min_value=0, max_value=10_000, initial=0, help_text="Smaller numbers are shown first.")
    body = forms.CharField(
        widget=forms.Textarea(attrs=_BODY_ATTRS), max_length=rendering.MAX_TEMPLATE_CHARS, strip=False, label="Answer"
    )

    def clean_language(self) -> str:
        return _clean_language(self.cleaned_data["language"])

    def clean_body(self) -> str:
        return _clean_body(self.cleaned_data["body"])

    @staticmethod
    def initial_for(snippet: Snippet | None) -> dict[str, Any]:
        if snippet is None:
            return {"language": "en", "position": (Snippet.objects.count() + 1) * 10}
        return {"title": snippet.title, "language": snippet.language, "position": snippet.position, "body": snippet.body}
