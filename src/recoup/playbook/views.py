"""Manager pages for call scripts and objection snippets. Thin: parse, call one service, render."""

from __future__ import annotations

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


@require_http_methods(["GET", "POST"])
def script_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request.user)
    script = None
    if pk is not None:
        script = CallScript.objects.filter(pk=pk).first()
        if script is None:
            raise Http404("No such script")
    preview = None
    if request.method == "POST":
        form = ScriptForm(request.POST)
        if "preview" in request.POST:
            form.is_valid()
            preview = _preview(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.save_script(
                    actor=request.user,
                    objective=data["objective"],
                    language=data["language"],
                    title=data["title"],
                    body=data["body"],
                    script=script,
                    now=timezone.now(),
                )
            except services.PlaybookError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"Script “{saved.title}” saved.")
                return redirect("playbook")
    else:
        form = ScriptForm(initial=ScriptForm.initial_for(script, request.GET.get("objective", "")))
        if script is not None:
            preview = _preview(script.body)
    context = {"nav": "playbook", "form": form, "script": script, "preview": preview, "variables": _variables_help()}
    return render(request, "playbook/script_form.html", context)


@require_http_methods(["GET", "POST"])
def snippet_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request.user)
    snippet = None
    if pk is not None:
        snippet = Snippet.objects.filter(pk=pk).first()
        if snippet is None:
            raise Http404("No such snippet")
    preview = None
    if request.method == "POST":
        form = SnippetForm(request.POST)
        if "preview" in request.POST:
            form.is_valid()
            preview = _preview(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.save_snippet(
                    actor=request.user,
                    title=data["title"],
                    language=data["language"],
                    body=data["body"],
                    position=data["position"],
                    snippet=snippet,
                    now=timezone.now(),
                )
            except services.PlaybookError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, f"Snippet “{saved.title}” saved.")
                return redirect("playbook")
    else:
        form = SnippetForm(initial=SnippetForm.initial_for(snippet))
        if snippet is not None:
            preview = _preview(snippet.body)
    context = {"nav": "playbook", "form": form, "snippet": snippet, "preview": preview, "variables": _variables_help()}
    return render(request, "playbook/snippet_form.html", context)


@require_POST
def snippet_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    snippet = Snippet.objects.filter(pk=pk).first()
    if snippet is None:
        raise Http404("No such snippet")
    services.delete_snippet(actor=request.user, snippet=snippet, now=timezone.now())
    messages.success(request, f"Snippet “{snippet.title}” deleted.")
    return redirect("playbook")
