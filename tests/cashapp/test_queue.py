"""The exceptions queue: apply a suggestion, split by hand, put on account, not a customer
payment; a manual decision teaches the payer; the pages and who may use them; the prep sheet's
"paid, not yet applied"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from recoup.accounts.models import User
from recoup.cashapp import decisions, selectors
from recoup.cashapp.models import PayerAlias, StatementLine
from recoup.cashapp.services import import_statement
from recoup.ledger.models import BankAccount, Invoice, Payment
from tests.cashapp.conftest import PASSWORD
from tests.cashapp.statements import Paid, camt053

pytestmark = pytest.mark.django_db(transaction=True)

NEW_IBAN = "FR1420041010050500013M02606"


def _import(paid: list[Paid], clerk: User) -> list[StatementLine]:
    import_statement(camt053(paid), "q.xml", actor=clerk, now=timezone.now())
    return list(StatementLine.objects.order_by("id"))


def test_apply_a_suggestion_and_learn_the_payer(ledger, clerk) -> None:
    # An account recoup does not know and a name it cannot place: Acme's invoice number in the text.
    (line,) = _import(
        [Paid(50000, payer_name="A.T. Handels", payer_account=NEW_IBAN, remittance="INV-2025-0103", bank_ref="Q1")], clerk
    )
    assert line.status == "suggested" and line.customer == ledger["acme"]
    assert selectors.paid_not_applied(ledger["acme"], as_of=line.booked_on) == [line]
    decisions.apply_suggestion(line=line, index=0, actor=clerk, now=timezone.now())
    line.refresh_from_db()
    assert line.status == "applied" and line.allocations == [["INV-2025-0103", 50000]] and line.decided_by == clerk
    assert Invoice.objects.get(invoice_ref="INV-2025-0103").open_amount == 0
    assert BankAccount.objects.get(account=NEW_IBAN).customer == ledger["acme"]
    assert PayerAlias.objects.get(name_key="A T HANDELS").customer == ledger["acme"]
    assert selectors.paid_not_applied(ledger["acme"], as_of=line.booked_on) == []
    # The next payment from that account is recognised by itself.
    later = _import(
        [Paid(100000, payer_name="A.T. Handels", payer_account=NEW_IBAN, remittance="payment", bank_ref="Q2")], clerk
    )[-1]
    assert later.status == "applied" and later.allocations == [["INV-2025-0101", 100000]]


def test_split_by_hand_across_items_and_the_rest_on_account(ledger, clerk) -> None:
    (line,) = _import(
        [Paid(160000, payer_name="Nobody we know", payer_account="", remittance="see letter", bank_ref="Q3")], clerk
    )
    assert line.status == "unmatched"
    child = ledger["child"]
    decisions.apply_by_hand(
        line=line, customer=child, allocations=[(ledger["C1"], 120000), (ledger["C2"], 30000)], actor=clerk, now=timezone.now()
    )
    line.refresh_from_db()
    assert line.unapplied == 10000 and line.status == "applied"
    payment = Payment.objects.get(payment_ref=line.payment_refs[0])
    assert (payment.customer, payment.amount, payment.unapplied_amount) == (child, 160000, 10000)


def test_a_split_larger_than_the_payment_is_refused(ledger, clerk) -> None:
    (line,) = _import([Paid(1000, payer_name="Nobody", payer_account="", remittance="x", bank_ref="Q4")], clerk)
    with pytest.raises(decisions.DecisionError, match="more than the payment"):
        decisions.apply_by_hand(
            line=line, customer=ledger["acme"], allocations=[(ledger["A1"], 2000)], actor=clerk, now=timezone.now()
        )
    assert Payment.objects.count() == 0


def test_put_on_account_and_not_a_customer_payment(ledger, clerk) -> None:
    first, second = _import(
        [
            Paid(7000, payer_name="Nobody", payer_account="", remittance="advance", bank_ref="Q5"),
            Paid(8000, payer_name="Tax office", payer_account="", remittance="refund", bank_ref="Q6"),
        ],
        clerk,
    )
    decisions.put_on_account(line=first, customer=ledger["borealis"], actor=clerk, now=timezone.now())
    assert Payment.objects.get().unapplied_amount == 7000
    decisions.ignore(line=second, actor=clerk, now=timezone.now(), reason="tax refund")
    second.refresh_from_db()
    assert second.status == "ignored" and second.reason == "not a customer payment: tax refund"
    with pytest.raises(decisions.DecisionError, match="already ignored"):
        decisions.ignore(line=second, actor=clerk, now=timezone.now())


def test_the_pages_upload_queue_apply_and_role(client, ledger, clerk) -> None:
    client.force_login(clerk)
    data = camt053([Paid(50000, payer_name="A.T. Handels", payer_account=NEW_IBAN, remittance="INV-2025-0103", bank_ref="W1")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/cash/", {"file": SimpleUploadedFile("day.xml", data)})
    assert response.status_code == 200 and b"1 suggested" in response.content
    page = client.get("/cash/queue/")
    assert b"A.T. Handels" in page.content and b"INV-2025-0103" in page.content
    line = StatementLine.objects.get()
    assert client.post(f"/cash/lines/{line.pk}/apply/", {"suggestion": "0"}).status_code == 302
    line.refresh_from_db()
    assert line.status == "applied"
    bad = client.post("/cash/", {"file": SimpleUploadedFile("bad.xml", data.replace(b"</Ntry>", b"</Ntri>"))})
    assert bad.status_code == 422 and b"rejected, nothing imported: line" in bad.content
    api = client.get("/api/cash/queue").json()
    assert api == []  # applied: nothing waits
    nobody = User.objects.create_user(email="viewer@example.com", password=PASSWORD, role="")
    client.force_login(nobody)
    assert client.get("/cash/queue/").status_code == 403
    assert client.get("/api/cash/queue").status_code == 403


def test_the_prep_sheet_says_paid_not_yet_applied(client, ledger, clerk) -> None:
    today = timezone.localdate()
    _import(
        [
            Paid(
                50000,
                payer_name="A.T. Handels",
                payer_account=NEW_IBAN,
                remittance="INV-2025-0103",
                bank_ref="P9",
                booked_on=today,
            )
        ],
        clerk,
    )
    client.force_login(clerk)
    page = client.get(f"/calls/{ledger['acme'].pk}/")
    assert page.status_code == 200
    assert b"Paid, not yet applied" in page.content and b"A.T. Handels" in page.content


def test_customer_page_adds_and_removes_a_bank_account(client, ledger, clerk) -> None:
    client.force_login(clerk)
    acme = ledger["acme"]
    client.post(f"/customers/{acme.pk}/bank-accounts/", {"account": "fr14 2004 1010 0505 0001 3m02 606"})
    assert BankAccount.objects.get(account=NEW_IBAN).source == "manual"
    response = client.post(f"/customers/{acme.pk}/bank-accounts/", {"account": "FR1420041010050500013M02607"}, follow=True)
    assert b"not a valid IBAN" in response.content
    account = BankAccount.objects.get(account=NEW_IBAN)
    client.post(f"/customers/{acme.pk}/bank-accounts/{account.pk}/remove/")
    assert not BankAccount.objects.filter(account=NEW_IBAN).exists()


def test_customers_import_reads_iban_and_bank_account(tmp_path) -> None:
    from recoup.imports.errors import ImportRejected
    from recoup.imports.services import import_file

    path = tmp_path / "c.csv"
    path.write_text("customer_ref,name,iban,bank_account\nK-1,One,DE89 3704 0044 0532 0130 00,\nK-2,Two,,12345678\n")
    import_file("customers", path)
    assert sorted(BankAccount.objects.values_list("customer__customer_ref", "account", "source")) == [
        ("K-1", "DE89370400440532013000", "import"),
        ("K-2", "12345678", "import"),
    ]
    path.write_text("customer_ref,name,iban\nK-3,Three,DE89370400440532013001\n")
    with pytest.raises(ImportRejected) as caught:
        import_file("customers", path)
    assert "line 2, column 'iban'" in str(caught.value.errors[0]) and "not a valid IBAN" in str(caught.value.errors[0])
