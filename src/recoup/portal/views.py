"""The customer's pages, reached without a login (``/portal/`` is public in recoup.web.middleware).

The token arrives after ``#`` and is posted once to ``/portal/open`` (services.py says why); the
session then holds the link, which every request checks again, so a withdrawn or expired link
stops at once and shows a page with nothing of the account on it. No address names a customer:
every page and action works on the session's link's customer. Responses are never cached, carry
``Referrer-Policy: strict-origin`` (the disputes app's choice, shared_views.py says why) and a
content security policy that allows nothing from elsewhere. Each request is counted against the
caller's address and the link (throttle.py) and audited on the link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.disputes.shared_views import private
from recoup.disputes.views import too_large
from recoup.ledger.clock import business_date
from recoup.ledger.statement import statement_pdf
from recoup.portal import actions, forms, page, rules, services, throttle
from recoup.portal.models import PortalLink

SESSION_KEY = "portal_link"
LANGUAGE_KEY = "portal_language"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

View = Callable[..., HttpResponseBase]


def _sealed(view: View) -> View:
    """The disputes app's private pages (no cache, no path in a Referer), plus a strict CSP."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CSP
        return response

    return private(wrapped)


def _neutral_language(request: HttpRequest) -> str:
    """For pages shown without a link: the language chosen on the page, else the browser's."""
    return rules.choose_language(
        chosen=request.session.get(LANGUAGE_KEY), customer=None, browser=[translation.get_language_from_request(request)]
    )


def _neutral(request: HttpRequest, template: str, status: int) -> HttpResponse:
    with translation.override(_neutral_language(request)):
        return render(request, template, status=status)


def _gone(request: HttpRequest) -> HttpResponse:
    """The same page for an unknown, expired or withdrawn link: nothing of any account."""
    return _neutral(request, "portal/gone.html", 404)


def _limited(request: HttpRequest) -> HttpResponse:
    response = _neutral(request, "portal/limited.html", 429)
    response["Retry-After"] = "600"
    return response


def _with_link(view: View) -> View:
    """A page of the session's link: counted, checked again, in the customer's language."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        link_id = request.session.get(SESSION_KEY)
        known = isinstance(link_id, int)
        if not throttle.allow("address", throttle.client_address(request)) or (
            known and not throttle.allow("link", str(link_id))
        ):
            return _limited(request)
        now = timezone.now()
        try:
            if not isinstance(link_id, int):
                raise services.LinkRefused("no link in this session")
            link = services.still_valid(link_id, now=now)
        except services.LinkRefused:
            request.session.pop(SESSION_KEY, None)
            return _gone(request)
        language = rules.choose_language(
            chosen=request.session.get(LANGUAGE_KEY),
            customer=page.customer_language(link.customer),
            browser=[translation.get_language_from_request(request)],
        )
        with translation.override(language):
            response = view(request, link, now, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return _sealed(wrapped)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("token")
@_sealed
def open_link(request: HttpRequest) -> HttpResponse:
    """GET: the page that reads the token from the address's ``#`` part and posts it; POST: the token."""
    address = throttle.client_address(request)
    if not throttle.allow("address", address):
        return _limited(request)
    if request.method == "GET":
        with translation.override(_neutral_language(request)):
            return render(request, "portal/open.html")
    token = request.POST.get("token", "").strip()[:200]
    if not throttle.allow("open", address) or not throttle.allow("open", "token:" + services.token_hash(token)):
        return _limited(request)
    try:
        link = services.open_by_token(token, now=timezone.now())
    except services.LinkRefused:
        return _gone(request)
    language = request.session.get(LANGUAGE_KEY)
    # A new session key once a link is opened: a session id planted beforehand opens nothing.
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    if language:
        request.session[LANGUAGE_KEY] = language
    return redirect("portal-home")


def _render(request: HttpRequest, link: PortalLink, now: dt.datetime, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "portal/account.html", page.context(link, now=now, **extra), status=status)


@require_GET
@_with_link
def home(request: HttpRequest, link: PortalLink, now: dt.datetime) -> HttpResponse:
    services.record_use(link, action="view", now=now)
    return _render(request, link, now)


@require_GET
@_with_link
def statement(request: HttpRequest, link: PortalLink, now: dt.datetime) -> HttpResponse:
    as_of = business_date(now)
    services.record_use(link, action="statement", now=now)
    language = translation.get_language() or "en"
    document = statement_pdf(
        link.customer,
        as_of=as_of,
        language=language,
        link=services.link_for(link.customer, now=now, source=PortalLink.Source.STATEMENT),
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{as_of.isoformat()}.pdf"'
    return response


def _act(view: Callable[[HttpRequest, PortalLink, dt.datetime], str]) -> View:
    """An action: counted against the link's action limit, audited, answered with the page
    again (and what was typed) when refused, else with a message and the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, link: PortalLink, now: dt.datetime) -> HttpResponseBase:
        name = view.__name__.removesuffix("_view")
        if not throttle.allow("action", str(link.pk)):
            return _limited(request)
        asked = {"action": request.POST["action"]} if "action" in request.POST else {}
        try:
            done = view(request, link, now)
        except actions.ActionRefused as refused:
            services.record_use(link, action=name, now=now, after={**asked, "outcome": "refused"})
            return _render(request, link, now, status=422, error={"form": name, "message": str(refused)}, posted=request.POST)
        services.record_use(link, action=name, now=now, after={**asked, "outcome": "done"})
        messages.success(request, done)
        # To the top of the page, where the thanks are.
        return redirect("portal-home")

    return require_POST(_with_link(wrapped))


@_act
def items_view(request: HttpRequest, link: PortalLink, now: dt.datetime) -> str:
    """The items form: promise a date for the chosen items, or dispute them (with a file)."""
    post = request.POST
    chosen = forms.ids(post.getlist("invoices"))
    if post.get("action") == "dispute":
        if too_large(request):
            raise actions.ActionRefused(_("The file is too large."))
        upload = request.FILES.get("file")
        done = actions.dispute(
            link,
            invoice_ids=chosen,
            reason=post.get("reason", ""),
            comment=post.get("comment", ""),
            upload=actions.Upload(upload.name or "file", upload.chunks(), upload.size) if upload else None,
            now=now,
        )
        return _("Thank you. We have opened a case (number %(n)s) and will come back to you.") % {
            "n": ", ".join(str(c.pk) for c in done.disputes)
        }
    done = actions.promise(link, invoice_ids=chosen, promised=forms.day(post.get("promised_date", "")), now=now)
    if done.call_instead:
        return _("That date is further out than we can agree online. We will call you to agree on it.")
    return _("Thank you. We have noted that you will pay by %(date)s.") % {
        "date": page.long_date(done.promises[0].promised_date, link.customer)
    }


@_act
def callback_view(request: HttpRequest, link: PortalLink, now: dt.datetime) -> str:
    post = request.POST
    done = actions.callback(
        link, day=forms.day(post.get("day", "")), wall=forms.clock(post.get("time", "")), note=post.get("note", ""), now=now
    )
    return _("Thank you. We will call you at %(time)s on %(date)s, your time.") % {
        "time": page.clock(done.task.due_at, link.customer) if done.task else post.get("time", ""),
        "date": page.long_date(forms.day(post.get("day", "")) or business_date(now), link.customer),
    }


@_act
def contact_view(request: HttpRequest, link: PortalLink, now: dt.datetime) -> str:
    post = request.POST
    actions.update_contact(link, name=post.get("name", ""), email=post.get("email", ""), phone=post.get("phone", ""), now=now)
    return _("Thank you. Your contact details are up to date.")


@_act
def feedback_view(request: HttpRequest, link: PortalLink, now: dt.datetime) -> str:
    actions.feedback(link, text=request.POST.get("message", ""), now=now)
    return _("Thank you for your message.")


@require_POST
@_sealed
def language(request: HttpRequest) -> HttpResponse:
    """The language chosen on the page, for this session."""
    chosen = request.POST.get("language", "")
    if chosen in rules.SUPPORTED_LANGUAGES:
        request.session[LANGUAGE_KEY] = chosen
    return redirect("portal-home" if isinstance(request.session.get(SESSION_KEY), int) else "portal-open")


@require_POST
@_sealed
def leave(request: HttpRequest) -> HttpResponse:
    """Forget the link in this browser (a shared computer); the link itself keeps working."""
    request.session.pop(SESSION_KEY, None)
    with translation.override(_neutral_language(request)):
        return render(request, "portal/left.html")
