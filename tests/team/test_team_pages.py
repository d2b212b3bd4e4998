"""Team pages: bulk reassignment, escalations, call review and My feedback, with their roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.activities.models import Activity, Outcome
from recoup.audit.models import AuditEvent
from recoup.ledger import events
from recoup.ledger.models import Customer
from recoup.team.models import CallReview
from recoup.worklist.models import Task, WorklistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, User]:
    def user(name: str, role: str) -> User:
        return User.objects.create_user(email=f"{name}@example.com", password="x", role=role, first_name=name.title())

    return {
        "ana": user("ana", Role.COLLECTOR),
        "ben": user("ben", Role.COLLECTOR),
        "sue": user("sue", Role.SENIOR),
        "max": user("max", Role.MANAGER),
    }


def entry(customer: Customer, overdue: int, *, escalated: bool = False) -> WorklistEntry:
    return WorklistEntry.objects.create(
        customer=customer,
        built_at=timezone.now(),
        as_of=timezone.localdate(),
        status="scheduled",
        currency="USD",
        overdue_amount=overdue,
        open_amount=overdue,
        collector=customer.collector,
        escalated=escalated,
        zone="UTC",
    )


@pytest.fixture
def book(people) -> list[Customer]:
    ana = people["ana"]
    rows = [
        ("R1", "retail", "DE", ana, 900_00),
        ("R2", "retail", "DE", ana, 50_00),
        ("R3", "retail", "FR", ana, 900_00),
        ("W1", "wholesale", "DE", ana, 900_00),
        ("P1", "retail", "DE", None, 900_00),
    ]
    customers = []
    for ref, segment, country, collector, overdue in rows:
        c = Customer.objects.create(
            customer_ref=ref, name=f"Customer {ref}", segment=segment, country=country, collector=collector
        )
        entry(c, overdue)
        customers.append(c)
    Task.objects.create(
        user=ana,
        customer=customers[0],
        kind="call",
        due_at=timezone.now(),
        zone="UTC",
        title="Call R1",
        created_at=timezone.now(),
    )
    return customers


FILTER = {"segment": "retail", "country": "de", "collector": "", "min_overdue": "100.00"}


def test_bulk_reassignment_previews_then_moves_in_one_step(client, people, book, django_capture_on_commit_callbacks) -> None:
    heard: list[events.CustomersChanged] = []
    events.customer_changed.connect(lambda sender, change, **kw: heard.append(change), dispatch_uid="test-team", weak=False)
    client.force_login(people["max"])
    page = client.get("/team/reassign/", FILTER | {"preview": "1"}).content.decode()
    # Retail in Germany with at least 100.00 overdue: R1 and the pool's P1 (R2 owes too little, R3 is French).
    assert 'id="match-count">2<' in page and "Customer R1" in page and "Customer P1" in page and "Customer R2" not in page
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/team/reassign/", FILTER | {"expected": "2", "to": str(people["ben"].pk)})
    finally:
        events.customer_changed.disconnect(dispatch_uid="test-team")
    assert response.status_code == 302
    moved = set(Customer.objects.filter(collector=people["ben"]).values_list("customer_ref", flat=True))
    assert moved == {"R1", "P1"}
    assert Task.objects.get(title="Call R1").user == people["ben"]  # the follow-up moved with it
    assert AuditEvent.objects.filter(action="customer.reassign").count() == 2
    summary = AuditEvent.objects.get(action="team.bulk_reassign")
    assert summary.object_type == "team.bulkreassignment" and summary.after["moved"] == 2
    # One transaction, heard once, for both customers.
    assert [(c.customer_ids, c.kinds) for c in heard] == [(frozenset({book[0].pk, book[4].pk}), frozenset({"customer"}))]


def test_a_stale_preview_moves_nothing(client, people, book) -> None:
    client.force_login(people["sue"])
    response = client.post("/team/reassign/", FILTER | {"expected": "3", "to": str(people["ben"].pk)})
    assert response.status_code == 400
    assert "now matches 2 customers, not the 3 previewed" in response.content.decode()
    assert not Customer.objects.filter(collector=people["ben"]).exists()
    assert not AuditEvent.objects.exists()


def test_bad_filter_input_is_named(client, people, book) -> None:
    client.force_login(people["max"])
    page = client.get("/team/reassign/", FILTER | {"preview": "1", "country": "Germany"}).content.decode()
    assert "country: a two-letter ISO code" in page
    page = client.get("/team/reassign/", FILTER | {"preview": "1", "min_overdue": "lots"}).content.decode()
    assert "minimum overdue:" in page


def test_collectors_cannot_reach_team_pages(client, people, book) -> None:
    client.force_login(people["ana"])
    for url in ("/team/", "/team/reassign/", "/team/escalations/", "/team/reviews/", "/team/audit/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/team/reassign/", FILTER | {"expected": "2", "to": str(people["ana"].pk)}).status_code == 403
    assert client.post(f"/team/escalations/{book[0].pk}/take/").status_code == 403
    assert Customer.objects.get(customer_ref="P1").collector is None


def test_the_team_overview_shows_portfolios_and_capacity(client, people, book) -> None:
    client.force_login(people["sue"])
    page = client.get("/team/").content.decode()
    assert "Shared pool" in page and "Ana" in page and "$2,750.00" in page  # Ana's overdue: 900 + 50 + 900 + 900


def test_a_senior_takes_an_escalated_account(client, people, book) -> None:
    WorklistEntry.objects.filter(customer=book[3]).update(escalated=True)
    client.force_login(people["sue"])
    page = client.get("/team/escalations/").content.decode()
    assert "Customer W1" in page and "Customer R1" not in page
    client.post(f"/team/escalations/{book[3].pk}/take/")
    book[3].refresh_from_db()
    assert book[3].collector == people["sue"]
    assert AuditEvent.objects.filter(action="customer.reassign", object_id=book[3].pk).exists()
    assert "Yours" in client.get("/team/escalations/").content.decode()


def _call(user: User, customer: Customer) -> Activity:
    return Activity.objects.create(
        customer=customer,
        user=user,
        channel="call",
        at=timezone.now() - dt.timedelta(hours=1),
        outcome=Outcome.CONVERSATION,
        notes="Spoke to AP; invoice approved, payment run Friday.",
    )


SCORES = {"objective_stated": "2", "tone": "2", "documented": "1", "follow_up_set": "0", "outcome": "1"}


def test_a_senior_reviews_a_call_and_only_its_collector_sees_it(client, people, book) -> None:
    activity = _call(people["ana"], book[0])
    client.force_login(people["sue"])
    assert f"/team/reviews/{activity.pk}/" in client.get("/team/reviews/").content.decode()
    response = client.post(f"/team/reviews/{activity.pk}/", SCORES | {"coaching_notes": "Agree a date for the callback."})
    assert response.status_code == 302
    review = CallReview.objects.get(activity=activity)
    assert (review.total, review.collector, review.reviewer) == (6, people["ana"], people["sue"])
    assert AuditEvent.objects.filter(action="call.review", object_id=review.pk).exists()

    client.force_login(people["ana"])
    page = client.get("/team/feedback/").content.decode()
    assert "Agree a date for the callback." in page and "6/10" in page
    assert client.get(f"/team/reviews/{activity.pk}/").status_code == 403
    assert client.post(f"/team/reviews/{activity.pk}/", SCORES | {"tone": "0"}).status_code == 403
    client.force_login(people["ben"])
    assert "Agree a date" not in client.get("/team/feedback/").content.decode()


def test_a_review_with_a_missing_score_names_it_and_saves_nothing(client, people, book) -> None:
    activity = _call(people["ana"], book[0])
    client.force_login(people["sue"])
    response = client.post(f"/team/reviews/{activity.pk}/", SCORES | {"tone": "3", "coaching_notes": "kept"})
    assert response.status_code == 400
    assert "Tone: score 0, 1 or 2, not 3" in response.content.decode()
    assert not CallReview.objects.exists() and not AuditEvent.objects.exists()


def test_nobody_reviews_their_own_call_and_a_second_review_is_audited(client, people, book) -> None:
    own = _call(people["sue"], book[0])
    client.force_login(people["sue"])
    assert "Nobody reviews their own calls" in client.post(f"/team/reviews/{own.pk}/", SCORES).content.decode()
    activity = _call(people["ana"], book[0])
    client.post(f"/team/reviews/{activity.pk}/", SCORES)
    client.force_login(people["max"])
    client.post(f"/team/reviews/{activity.pk}/", SCORES | {"follow_up_set": "2"})
    update = AuditEvent.objects.get(action="call.review_update")
    assert (update.before["follow_up_set"], update.after["follow_up_set"]) == (0, 2)
    assert CallReview.objects.get().reviewer == people["max"]
