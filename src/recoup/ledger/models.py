"""The ledger: who owes what, what was paid, and which payment settled which invoice.

Amounts are integers in the currency's minor unit (cents for USD, yen for JPY, fils for BHD).
`Invoice.open_amount` and `Payment.unapplied_amount` are derived from allocations by
`ledger.services.recompute_balances` and never edited by hand; the check constraints on them
make the database itself refuse an over-allocation once they are recomputed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ImportedRecord(models.Model):
    """What every imported ledger record carries besides its own fields."""

    # Every column of an import file recoup does not know, kept as text.
    attributes = models.JSONField(default=dict, blank=True)
    # Fingerprint of the row as last imported: a re-import of the same data is "unchanged".
    import_hash = models.CharField(max_length=32, blank=True, editable=False)
    # The import that created this row (who, when, which file): bulk creations are audited
    # through it; every later change gets its own audit event. No database constraint: import
    # runs are never deleted, and checking it would cost a lookup per bulk-inserted row.
    import_run = models.ForeignKey(
        "imports.ImportRun",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Customer(ImportedRecord):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        WITH_AGENCY = "with_agency", "With agency"

    customer_ref = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=300)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=6, blank=True, help_text="ISO 3166-2, e.g. US-IL")
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone; derived when empty")
    currency = models.CharField(max_length=3, default="USD")
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_limit = models.BigIntegerField(null=True, blank=True, help_text="Minor units of the customer's currency")
    segment = models.CharField(max_length=60, blank=True, db_index=True)
    is_consumer = models.BooleanField(default=False)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="portfolio"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_ref})"


class Contact(ImportedRecord):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    # An imported number that is not valid for the customer's country (too short, a typo, a
    # country code missing) is kept as the file wrote it so that someone can correct it, but is
    # never dialled and says nothing about the customer's time zone: `phone` stays empty.
    undialable_phone = models.CharField(
        max_length=100, blank=True, default="", db_default="", help_text="As imported; not a valid number, not dialled"
    )
    email = models.EmailField(blank=True)
    is_primary = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=10, blank=True)
    preferred_hours = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="contact_unique_name_per_customer"),
            models.UniqueConstraint(fields=["customer"], condition=Q(is_primary=True), name="contact_one_primary_per_customer"),
        ]

    def __str__(self) -> str:
        return self.name


class Invoice(ImportedRecord):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"
        DEBIT_NOTE = "debit_note", "Debit note"

    # Refs are unique within their source system; one ledger may hold several ERPs.
    source = models.CharField(max_length=40, blank=True, default="")
    invoice_ref = models.CharField(max_length=100)
    # Indexed by the (customer, open_amount) index below.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField(help_text="Minor units; positive for every kind")
    open_amount = models.BigIntegerField(help_text="Derived: amount minus allocations (for a credit note: its unused credit)")
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="The invoice a credit note credits",
        db_index=False,
    )
    po_number = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_date", "invoice_ref"]
        constraints = [
            models.UniqueConstraint(fields=["source", "invoice_ref"], name="invoice_unique_ref_per_source"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("amount")), name="invoice_not_over_allocated"
            ),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")), name="invoice_due_not_before_issue"),
            models.CheckConstraint(
                condition=Q(credited_invoice__isnull=True) | Q(kind="credit_note"), name="invoice_only_credit_notes_credit"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "open_amount"]),
            models.Index(fields=["credited_invoice"], condition=Q(credited_invoice__isnull=False), name="invoice_credited_idx"),
        ]

    def __str__(self) -> str:
        return self.invoice_ref

    @property
    def is_credit(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class Payment(ImportedRecord):
    class Method(models.TextChoices):
        ACH = "ach"
        WIRE = "wire"
        CHECK = "check"
        CARD = "card"
        CASH = "cash"
        OTHER = "other"

    source = models.CharField(max_length=40, blank=True, default="")
    payment_ref = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    unapplied_amount = models.BigIntegerField(help_text="Derived: amount minus allocations")
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.OTHER)
    reference = models.CharField(max_length=500, blank=True, help_text="Remittance text")

    class Meta:
        ordering = ["-received_on", "payment_ref"]
        constraints = [
            models.UniqueConstraint(fields=["source", "payment_ref"], name="payment_unique_ref_per_source"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unapplied_amount__gte=0) & Q(unapplied_amount__lte=F("amount")), name="payment_not_over_allocated"
            ),
        ]

    def __str__(self) -> str:
        return self.payment_ref


class Allocation(models.Model):
    """Part of a payment, or of a credit note, applied to an invoice or debit note."""

    # Each foreign key is indexed by an index or unique constraint below that starts with it.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations", db_index=False)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="credit_allocations", db_index=False
    )
    amount = models.BigIntegerField()
    applied_on = models.DateField(help_text="When it took effect: the payment's or credit note's date unless applied later")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_exactly_one_source",
            ),
            models.UniqueConstraint(
                fields=["payment", "invoice"], condition=Q(payment__isnull=False), name="allocation_unique_payment_invoice"
            ),
            models.UniqueConstraint(
                fields=["credit_note", "invoice"], condition=Q(credit_note__isnull=False), name="allocation_unique_credit_invoice"
            ),
        ]
        indexes = [models.Index(fields=["invoice", "applied_on"])]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_id}"


# Exchange rates for reports that add up several currencies (aging in the home currency, the
# worklist's ranking). The ledger itself never converts: amounts stay in their own currency.
class FxRate(models.Model):
    currency = models.CharField(max_length=3, help_text="ISO 4217 code of the foreign currency")
    on = models.DateField(help_text="The rate holds from this date until the next one")
    # Decimal, not float: 9 places carry every published rate exactly (ECB publishes 4–6).
    rate = models.DecimalField(max_digits=24, decimal_places=9, help_text="Home-currency units per 1 unit of the currency")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="fxrate_unique_currency_on"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fxrate_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.on:%Y-%m-%d} {self.rate}"


class BankAccount(models.Model):
    """An account a customer pays from: how a bank statement line names its payer.

    Imported with the customers (an ``iban`` or ``bank_account`` column), typed on the customer's
    page, or learned when someone applies a payment by hand. One account belongs to one customer:
    a group that pays from one account is matched to the company that owns it.
    """

    class Source(models.TextChoices):
        IMPORT = "import", "Imported"
        MANUAL = "manual", "Entered"
        LEARNED = "learned", "Learned from a payment"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    # Compact form: upper case, no spaces or separators; an IBAN is checked before it is stored.
    account = models.CharField(max_length=64, unique=True)
    is_iban = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["customer", "account"]

    def __str__(self) -> str:
        return self.account


class Deduction(models.Model):
    """What a payment left unpaid on an invoice, and why (cash application, DESIGN §4).

    A discount taken within terms or bank charges within tolerance are written off by a credit
    note recoup makes (``credit_note``), which closes the item; an unexplained difference stays
    open on the invoice for the collector to chase.
    """

    class Reason(models.TextChoices):
        DISCOUNT = "discount", "Discount taken"
        BANK_CHARGES = "bank_charges", "Bank charges"
        UNEXPLAINED = "unexplained", "Unexplained"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="deductions")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="deductions", db_index=False)
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    credit_note = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    applied_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["invoice"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reason} {self.amount} on {self.invoice_id}"
