"""Cash-application pages: upload a statement, the exceptions queue, decide a line. Thin: parse,
call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from recoup.accounts.permissions import require_cash_application
from recoup.cashapp import decisions, forms, selectors
from recoup.cashapp.formats import BankFileError
from recoup.cashapp.formats.tabular import load_mapping
from recoup.cashapp.models import StatementLine
from recoup.cashapp.services import import_statement
from recoup.ledger.models import Customer


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    require_cash_application(request.user, "import bank statements")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"nav": "cash", "form": form, "statements": selectors.recent_statements()}
    if request.method == "POST" and form.is_valid():
        try:
            mapping_file = form.cleaned_data.get("mapping")
            mapping = load_mapping(mapping_file.read().decode("utf-8"), mapping_file.name) if mapping_file else None
            upload = form.cleaned_data["file"]
            outcome = import_statement(
                upload.read(),
                upload.name,
                actor=request.user,
                now=timezone.now(),
                dry_run=form.cleaned_data["dry_run"],
                csv_mapping=mapping,
            )
        except (BankFileError, UnicodeDecodeError) as exc:
            context["error"] = f"{upload.name if 'upload' in locals() else 'The file'} was rejected, nothing imported: {exc}"
            return render(request, "cashapp/upload.html", context, status=422)
        context.update(outcome=outcome, counts=outcome.counts())
    return render(request, "cashapp/upload.html", context, status=422 if form.errors else 200)


def queue(request: HttpRequest) -> HttpResponse:
    require_cash_application(request.user, "work the cash-application queue")
    lines = selectors.queue(status=request.GET.get("status", ""))
    context = {"nav": "cash", "rows": selectors.with_suggestions(list(lines)), "counts": selectors.queue_counts()}
    return render(request, "cashapp/queue.html", context)


def _line(pk: int) -> StatementLine:
    return get_object_or_404(StatementLine.objects.select_related("statement", "customer"), pk=pk)


@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    require_cash_application(request.user, "apply payments")
    line = _line(pk)
    try:
        decisions.apply_suggestion(
            line=line, index=int(request.POST.get("suggestion", "-1")), actor=request.user, now=timezone.now()
        )
        messages.success(request, f"Applied {line.payer_name or 'the payment'} of {line.booked_on:%Y-%m-%d}.")
    except (decisions.DecisionError, ValueError) as exc:
        messages.error(request, f"Not applied: {exc}")
    return redirect("cashapp-queue")


@require_POST
def ignore(request: HttpRequest, pk: int) -> HttpResponse:
    require_cash_application(request.user, "mark payments")
    try:
        decisions.ignore(line=_line(pk), actor=request.user, now=timezone.now(), reason=request.POST.get("reason", "")[:200])
        messages.success(request, "Marked as not a customer payment.")
    except decisions.DecisionError as exc:
        messages.error(request, f"Not changed: {exc}")
    return redirect("cashapp-queue")


@require_http_methods(["GET", "POST"])
def split(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a line by hand: choose the customer, then how much goes to each open item."""
    require_cash_application(request.user, "apply payments")
    line = _line(pk)
    ref = (
        request.POST.get("customer_ref")
        or request.GET.get("customer_ref")
        or (line.customer.customer_ref if line.customer else "")
    ).strip()
    customer = Customer.objects.filter(customer_ref=ref).first() if ref else None
    context: dict[str, object] = {"nav": "cash", "line": line, "customer": customer, "customer_ref": ref}
    if customer is not None:
        context["items"] = selectors.items_for_split(customer, line.currency)
    if request.method == "POST":
        try:
            chosen = forms.parse_split(request.POST.dict(), line.currency)
            if request.POST.get("on_account"):
                decisions.put_on_account(line=line, customer=chosen.customer, actor=request.user, now=timezone.now())
            else:
                decisions.apply_by_hand(
                    line=line, customer=chosen.customer, allocations=chosen.allocations, actor=request.user, now=timezone.now()
                )
        except (ValueError, decisions.DecisionError) as exc:
            context["error"] = str(exc)
            return render(request, "cashapp/split.html", context, status=422)
        messages.success(request, f"Applied the payment of {line.booked_on:%Y-%m-%d} to {chosen.customer.name}.")
        return redirect("cashapp-queue")
    return render(request, "cashapp/split.html", context)
