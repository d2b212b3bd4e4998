"""Manager pages for call scripts and objection snippets. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.activities import tone
from recoup.playbook import rendering, selectors, services
from recoup.playbook.forms import ScriptForm, SnippetForm
from recoup.playbook.models import CallScript, Snippet
from recoup.worklist.rules import OBJECTIVES


def _require_manager(user: Any) -> None:
    if not getattr(user, "is_manager", False):
        raise PermissionDenied("Only managers edit call scripts and snippets")


def _preview(body: str) -> dict[str, Any]:
    """The body rendered with sample values, and what the tone check says about the result."""
    variables = selectors.with_defaults({**rendering.SAMPLE_VARIABLES, "company_name": selectors.company_name()})
    try:
        text = rendering.render(body, variables, rendering.VARIABLES)
    except rendering.RenderError as exc:
        return {"text": "", "error": str(exc), "flags": []}
    return {"text": text, "error": "", "flags": tone.check(text)}


def _shown(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list | tuple) else str(value)


def _variables_help() -> list[dict[str, Any]]:
    return [
        {"name": name, "description": description, "sample": _shown(rendering.SAMPLE_VARIABLES.get(name, ""))}
        for name, description in rendering.VARIABLES.items()
    ]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require_manager(request.user)
    scripts = list(CallScript.objects.select_related("updated_by"))
    rows = []
    for code, label in OBJECTIVES.items():
        rows.append({"code": code, "label": label, "scripts": [s for s in scripts if s.objective == code]})
    context = {
        "nav": "playbook",
        "rows": rows,
        "snippets": Snippet.objects.select_related("updated_by").all(),
    }
    return render(request, "playbook/index.html", context)


def _edit(
    request: HttpRequest,
    *,
    form_class: type[ScriptForm] | type[SnippetForm],
    instance: CallScript | Snippet | None,
    initial: dict[str, Any],
    save: Callable[[dict[str, Any]], CallScript | Snippet],
    what: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The edit flow both kinds share: preview on request, else validate, save through the
    service (which refuses invalid templates with their problems) and return to the list."""
    preview = None
    if request.method == "POST":
        form = form_class(request.POST)
        if "preview" in request.POST:
            form.is_valid()
            preview = _preview(request.POST.get("body", ""))
        elif form.is_valid():
            try:
                saved = save(form.cleaned_data)
            except services.PlaybookError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"{what} “{saved.title}” saved.")
                return redirect("playbook")
    else:
        form = form_class(initial=initial)
        if instance is not None:
            preview = _preview(instance.body)
    return render(
        request, template, {"nav": "playbook", "form": form, "preview": preview, "variables": _variables_help(), **context}
    )


@require_http_methods(["GET", "POST"])
def script_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request.user)
    script = None
    if pk is not None:
        script = CallScript.objects.filter(pk=pk).first()
        if script is None:
            raise Http404("No such script")

    def save(data: dict[str, Any]) -> CallScript:
        return services.save_script(
            actor=request.user,
            objective=data["objective"],
            language=data["language"],
            title=data["title"],
            body=data["body"],
            script=script,
            now=timezone.now(),
        )

    return _edit(
        request,
        form_class=ScriptForm,
        instance=script,
        initial=ScriptForm.initial_for(script, request.GET.get("objective", "")),
        save=save,
        what="Script",
        template="playbook/script_form.html",
        context={"script": script},
    )


@require_http_methods(["GET", "POST"])
def snippet_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request.user)
    snippet = None
    if pk is not None:
        snippet = Snippet.objects.filter(pk=pk).first()
        if snippet is None:
            raise Http404("No such snippet")

    def save(data: dict[str, Any]) -> Snippet:
        return services.save_snippet(
            actor=request.user,
            title=data["title"],
            language=data["language"],
            body=data["body"],
            position=data["position"],
            snippet=snippet,
            now=timezone.now(),
        )

    return _edit(
        request,
        form_class=SnippetForm,
        instance=snippet,
        initial=SnippetForm.initial_for(snippet),
        save=save,
        what="Snippet",
        template="playbook/snippet_form.html",
        context={"snippet": snippet},
    )


@require_POST
def snippet_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    snippet = Snippet.objects.filter(pk=pk).first()
    if snippet is None:
        raise Http404("No such snippet")
    services.delete_snippet(actor=request.user, snippet=snippet, now=timezone.now())
    messages.success(request, f"Snippet “{snippet.title}” deleted.")
    return redirect("playbook")
