"""The AR team's dispute pages: the list, the case, its forms, the SLA settings. Thin: parse,
call one service or selector, render. Stakeholders' pages are in ``shared_views.py``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.accounts.models import User
from recoup.accounts.permissions import require_manager
from recoup.disputes import attachments, forms, links, resolution, selectors, services
from recoup.disputes.attachments import AttachmentRefused
from recoup.disputes.models import Dispute, StakeholderLink, WriteOffRequest
from recoup.ledger.clock import business_date
from recoup.ledger.selectors import NotYours

CASES_PER_PAGE = 50
# A request body this much larger than the attachment limit is refused before it is read.
_FORM_ALLOWANCE = 64 * 1024


def _case(request: HttpRequest, pk: int) -> Dispute:
    try:
        return selectors.case_for(request.user, pk)
    except Dispute.DoesNotExist:
        raise Http404("No such dispute") from None
    except NotYours as exc:
        raise PermissionDenied(str(exc)) from None


def _errors_to_messages(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A refused change goes back to the case page with the reason; a forbidden one is a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, pk, *args, **kwargs)
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        except (services.DisputeError, AttachmentRefused) as exc:
            messages.error(request, f"Not saved: {exc}")
            return redirect("disputes-case", pk=pk)

    return wrapped


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    as_of = business_date(now)
    filters = forms.case_filters(request.GET)
    paginator = Paginator(selectors.case_list(request.user, filters, as_of=as_of), CASES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    selectors.annotate_for_list(list(page.object_list), as_of=as_of)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "disputes",
        "page": page,
        "filters": filters,
        "scopes": selectors.SCOPES,
        "statuses": selectors.STATUS_FILTERS,
        "reasons": Dispute.Reason.choices,
        "owners": selectors.owners(),
        "query": query.urlencode(),
        "as_of": as_of,
    }
    return render(request, "disputes/list.html", context)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    now = timezone.now()
    context = selectors.case_page(case, user=request.user, as_of=business_date(now))
    context.update(
        nav="disputes",
        owners=selectors.owners(),
        roles=StakeholderLink.Role.choices,
        link_days=14,
        new_token=request.session.pop(f"dispute-{pk}-new-link", None),
        now=now,
        accepted=", ".join(attachments.ACCEPTED_EXTENSIONS),
        max_mb=settings.RECOUP_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        home_currency=settings.RECOUP_HOME_CURRENCY,
    )
    return render(request, "disputes/case.html", context)


@require_POST
@_errors_to_messages
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    wanted = forms.int_or_none(request.POST.get("owner"))
    owner = get_object_or_404(User, pk=wanted, is_active=True) if wanted is not None else None
    services.assign_owner(actor=request.user, case=case, owner=owner, now=timezone.now())
    messages.success(request, f"Dispute {pk} now belongs to {owner or 'nobody'}.")
    return redirect("disputes-case", pk=pk)


@require_POST
@_errors_to_messages
def status(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    case = services.change_status(actor=request.user, case=case, status=request.POST.get("status", ""), now=timezone.now())
    messages.success(request, f"Dispute {pk} is {case.get_status_display().lower()}.")
    return redirect("disputes-case", pk=pk)


@require_POST
@_errors_to_messages
def amount(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    value = forms.parse_amount(request.POST.get("amount", ""), case.currency, what="The disputed amount")
    if value is None:
        raise services.DisputeError("enter the disputed amount")
    services.change_amount(actor=request.user, case=case, amount=value, now=timezone.now())
    messages.success(request, "Disputed amount changed.")
    return redirect("disputes-case", pk=pk)


def too_large(request: HttpRequest) -> bool:
    length = request.META.get("CONTENT_LENGTH") or "0"
    return length.isdigit() and int(length) > settings.RECOUP_ATTACHMENT_MAX_BYTES + _FORM_ALLOWANCE


@require_POST
@_errors_to_messages
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if too_large(request):
        raise AttachmentRefused(f"the upload is larger than {settings.RECOUP_ATTACHMENT_MAX_BYTES:,} bytes")
    now = timezone.now()
    internal = request.POST.get("internal") == "1"
    body = request.POST.get("body", "").strip()
    upload = request.FILES.get("file")
    if not body and upload is None:
        raise services.DisputeError("write a comment or choose a file")
    if upload is not None:
        services.add_attachment(
            case=case,
            name=upload.name or "file",
            chunks=upload.chunks(),
            size=upload.size,
            now=now,
            actor=request.user,
            internal=internal,
        )
    if body:
        services.add_comment(case=case, body=body, now=now, actor=request.user, internal=internal)
    messages.success(request, "Added to the case.")
    return redirect(f"{reverse('disputes-case', args=[pk])}#history")


@require_POST
@_errors_to_messages
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    days = forms.int_or_none(request.POST.get("days")) or 14
    link, token = links.invite(
        actor=request.user,
        case=case,
        email=request.POST.get("email", ""),
        name=request.POST.get("name", ""),
        role=request.POST.get("role", "other"),
        days=days,
        now=timezone.now(),
        open_url=request.build_absolute_uri(reverse("shared-open")),
    )
    # Shown once on the next page, for an inviter whose e-mail did not arrive; never in a URL.
    request.session[f"dispute-{pk}-new-link"] = {
        "name": link.name,
        "url": request.build_absolute_uri(reverse("shared-open")) + "#" + token,
    }
    if settings.EMAIL_BACKEND.endswith(".dummy.EmailBackend"):
        messages.warning(request, f"No mail server is set up (RECOUP_SMTP_URL): give {link.name} the link below yourself.")
    else:
        messages.success(request, f"{link.name} was invited by e-mail; the link works until {link.expires_at:%d %b %Y}.")
    return redirect("disputes-case", pk=pk)


@require_POST
@_errors_to_messages
def revoke(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    case = _case(request, pk)
    link = get_object_or_404(StakeholderLink, pk=link_id, dispute=case)
    links.revoke(actor=request.user, link=link, now=timezone.now())
    messages.success(request, f"The link of {link.name} no longer opens anything.")
    return redirect("disputes-case", pk=pk)


@require_POST
@_errors_to_messages
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    now = timezone.now()
    post = request.POST
    kind = post.get("kind", "")
    note = post.get("note", "").strip()[:2000]
    invoices = list(case.invoices.values_list("pk", "invoice_ref"))
    if kind == "credit_note":
        amounts = forms.amounts_by_invoice(post, invoices, case.currency, "credit")
        resolution.resolve_with_credit_notes(actor=request.user, case=case, amounts=amounts, now=now, note=note)
        messages.success(request, f"Dispute {pk} resolved with a credit note.")
    elif kind == "corrected":
        amounts = forms.amounts_by_invoice(post, invoices, case.currency, "corrected")
        due = forms.parse_date(post.get("due_date", ""), "the corrected invoice's due date")
        resolution.resolve_with_corrections(actor=request.user, case=case, amounts=amounts, due_date=due, now=now, note=note)
        messages.success(request, f"Dispute {pk} resolved with a corrected invoice.")
    elif kind == "write_off":
        amounts = forms.amounts_by_invoice(post, invoices, case.currency, "write_off")
        made = resolution.propose_write_off(actor=request.user, case=case, amounts=amounts, now=now, note=note)
        if isinstance(made, WriteOffRequest):
            messages.warning(request, "The write-off is beyond your limit: it awaits a senior's or manager's approval.")
        else:
            messages.success(request, f"Dispute {pk} resolved: written off.")
    elif kind == "reject":
        resolution.reject(actor=request.user, case=case, why=note, now=now)
        messages.success(request, f"Dispute {pk} rejected: the invoice stands and collection resumes.")
    else:
        raise services.DisputeError("choose how to resolve the case")
    return redirect("disputes-case", pk=pk)


@require_POST
def decide_write_off(request: HttpRequest, request_id: int) -> HttpResponse:
    pending = get_object_or_404(WriteOffRequest, pk=request_id)
    try:
        resolution.decide_write_off(
            actor=request.user, request=pending, approve=request.POST.get("approve") == "1", now=timezone.now()
        )
        messages.success(request, "Decision recorded.")
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except services.DisputeError as exc:
        messages.error(request, str(exc))
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(wanted)
    return redirect("disputes-case", pk=pending.dispute_id)


@require_GET
def download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    case = _case(request, pk)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    return attachment_response(attachment)


def attachment_response(attachment: Any) -> FileResponse:
    """The file as a download, never rendered by the browser as a page of ours."""
    try:
        handle = attachments.path_of(attachment.dispute_id, attachment.stored_name).open("rb")
    except (OSError, ValueError):
        raise Http404("The file is missing from the data directory") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_http_methods(["GET", "POST"])
def sla_settings(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "set dispute SLAs")
    if request.method == "POST":
        now = timezone.now()
        try:
            for row in selectors.sla_table():
                days = forms.int_or_none(request.POST.get(f"days_{row['reason']}"))
                if days is None:
                    raise services.DisputeError(f"{row['label']}: enter the days as a whole number")
                if days != row["days"]:
                    services.set_sla(actor=request.user, reason=row["reason"], days=days, now=now)
        except services.DisputeError as exc:
            messages.error(request, f"Not saved: {exc}")
        else:
            messages.success(request, "SLAs saved. They apply to cases opened from now on.")
        return redirect("disputes-sla")
    return render(request, "disputes/sla.html", {"nav": "disputes", "rows": selectors.sla_table()})
