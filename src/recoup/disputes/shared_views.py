"""Pages for outside stakeholders, reached without a login (``/shared/`` is public in
recoup.web.middleware): open a link, read that one case, comment, attach files — nothing else.

The token arrives after ``#`` and is posted once to ``/shared/open`` (links.py says why); the
session then holds the ids of the links opened, and every request checks its link again. A
link only ever shows its own case: every page is addressed by the link, never by the case.
Responses are never cached and carry ``Referrer-Policy: strict-origin``: a Referer then holds at
most the site's origin, never a path. (``no-referrer`` would also make browsers send
``Origin: null`` with the pages' own forms, which CSRF protection rightly refuses; the token is
in no URL anyway, only after ``#``, which no browser sends.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.disputes import links, selectors, services
from recoup.disputes.attachments import ACCEPTED_EXTENSIONS, AttachmentRefused
from recoup.disputes.models import StakeholderLink
from recoup.disputes.views import attachment_response, too_large

SESSION_KEY = "shared_links"


def private(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """No path in a Referer, no cache, no indexing: nothing of a stakeholder's page leaves the browser."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "disputes/shared_gone.html", status=404)


def _link(request: HttpRequest, link_id: int) -> StakeholderLink:
    """The link, if this browser opened it and it still works; else 404 (nothing of the case)."""
    if link_id not in request.session.get(SESSION_KEY, []):
        raise Http404("No such link")
    try:
        return links.still_valid(link_id, now=timezone.now())
    except links.LinkRefused:
        raise Http404("No such link") from None


def _link_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, link_id: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            link = _link(request, link_id)
        except Http404:
            return _gone(request)
        return view(request, link, *args, **kwargs)

    return private(wrapped)


@require_http_methods(["GET", "POST"])
@private
def open_link(request: HttpRequest) -> HttpResponse:
    """GET: the page that reads the token from the address's ``#`` part and posts it; POST: the token."""
    if request.method == "GET":
        return render(request, "disputes/shared_open.html")
    try:
        link = links.open_by_token(request.POST.get("token", ""), now=timezone.now())
    except links.LinkRefused:
        return _gone(request)
    opened = [i for i in request.session.get(SESSION_KEY, []) if isinstance(i, int) and i != link.pk]
    # A new session key once a link is opened: a session id planted beforehand opens nothing.
    request.session.cycle_key()
    request.session[SESSION_KEY] = [*opened[-19:], link.pk]
    return redirect("shared-case", link_id=link.pk)


@require_GET
@_link_page
def case(request: HttpRequest, link: StakeholderLink) -> HttpResponse:
    now = timezone.now()
    dispute = link.dispute
    links.record_access(link, action="dispute.link_view", now=now)
    context = {
        "link": link,
        "case": dispute,
        "items": selectors.case_items(dispute),
        "comments": dispute.comments.filter(internal=False).select_related("author", "link"),
        "attachments": dispute.attachments.filter(internal=False),
        "accepted": ", ".join(ACCEPTED_EXTENSIONS),
    }
    return render(request, "disputes/shared_case.html", context)


@require_POST
@_link_page
def comment(request: HttpRequest, link: StakeholderLink) -> HttpResponse:
    now = timezone.now()
    try:
        if too_large(request):
            raise AttachmentRefused("the file is too large")
        body = request.POST.get("body", "").strip()
        upload = request.FILES.get("file")
        if not body and upload is None:
            raise services.DisputeError("write a comment or choose a file")
        if upload is not None:
            services.add_attachment(
                case=link.dispute, name=upload.name or "file", chunks=upload.chunks(), size=upload.size, now=now, link=link
            )
        if body:
            services.add_comment(case=link.dispute, body=body, now=now, link=link)
        messages.success(request, "Thank you: the team has been told.")
    except (services.DisputeError, AttachmentRefused) as exc:
        messages.error(request, f"Not saved: {exc}")
    return redirect("shared-case", link_id=link.pk)


@require_GET
@_link_page
def download(request: HttpRequest, link: StakeholderLink, attachment_id: int) -> HttpResponseBase:
    attachment = get_object_or_404(link.dispute.attachments.filter(internal=False), pk=attachment_id)
    links.record_access(link, action="dispute.download", now=timezone.now(), after={"name": attachment.original_name})
    return attachment_response(attachment)
