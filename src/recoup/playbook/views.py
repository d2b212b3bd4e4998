"""Manager pages for call scripts and objection snippets. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.accounts.permissions import require_manager
from recoup.playbook import selectors, services
from recoup.playbook.forms import ScriptForm, SnippetForm
from recoup.playbook.models import CallScript, Snippet


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "edit call scripts and snippets")
    context = {"nav": "playbook", "rows": selectors.scripts_by_objective(), "snippets": selectors.all_snippets()}
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
            preview = selectors.preview(request.POST.get("body", ""))
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
            preview = selectors.preview(instance.body)
    return render(
        request,
        template,
        {"nav": "playbook", "form": form, "preview": preview, "variables": selectors.variables_help(), **context},
    )


@require_http_methods(["GET", "POST"])
def script_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request.user, "edit call scripts and snippets")
    script = None
    if pk is not None:
        script = selectors.script(pk)
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
    require_manager(request.user, "edit call scripts and snippets")
    snippet = None
    if pk is not None:
        snippet = selectors.snippet(pk)
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
    require_manager(request.user, "edit call scripts and snippets")
    snippet = selectors.snippet(pk)
    if snippet is None:
        raise Http404("No such snippet")
    services.delete_snippet(actor=request.user, snippet=snippet, now=timezone.now())
    messages.success(request, f"Snippet “{snippet.title}” deleted.")
    return redirect("playbook")
