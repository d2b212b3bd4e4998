"""Outside stakeholders' links: one case each; expired or revoked links show nothing; the token
is never stored, never in a path the server sees, and every access and action is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core import mail
from django.test import Client

from recoup.audit.models import AuditEvent
from recoup.disputes import links, services
from recoup.disputes.models import Comment, Dispute, StakeholderLink

from .conftest import invoice

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _case(team, customer, now, ref: str) -> Dispute:
    return services.open_dispute(actor=team["collector"], customer=customer, invoices=[invoice(ref)], reason="quantity", now=now)


def _emailed_token() -> str:
    body = mail.outbox[-1].body
    url = re.search(r"http://testserver/shared/open#(\S+)", body)
    assert url, body
    return url.group(1)


def _open(token: str) -> Client:
    outsider = Client()
    response = outsider.post("/shared/open", {"token": token})
    assert response.status_code == 302, response.content[:200]
    return outsider


@pytest.fixture
def two_cases(team, acme, globex, now, django_capture_on_commit_callbacks):
    a = _case(team, acme, now, "INV-1")
    b = services.open_dispute(actor=team["senior"], customer=globex, invoices=[invoice("G-1")], reason="pricing", now=now)
    client = Client()
    client.force_login(team["collector"])
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            f"/disputes/{a.pk}/invite/", {"email": "sam@sales.example", "name": "Sam Sales", "role": "sales", "days": "14"}
        )
    assert invited.status_code == 302
    token_a = _emailed_token()
    client.force_login(team["senior"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/disputes/{b.pk}/invite/", {"email": "wes@warehouse.example", "name": "Wes", "role": "warehouse"})
    token_b = _emailed_token()
    return {"a": a, "b": b, "token_a": token_a, "token_b": token_b}


def test_the_invitation_is_emailed_and_only_a_hash_is_kept(two_cases) -> None:
    token = two_cases["token_a"]
    assert mail.outbox[0].to == ["sam@sales.example"]
    link = StakeholderLink.objects.get(email="sam@sales.example")
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not StakeholderLink.objects.filter(token_hash=token).exists()
    assert not [e for e in AuditEvent.objects.all() if token in str(e.before) + str(e.after)]


def test_the_open_page_keeps_the_token_out_of_logs_and_referers(two_cases) -> None:
    outsider = Client()
    page = outsider.get("/shared/open")
    assert page.status_code == 200 and b"open-link.js" in page.content
    assert page["Referrer-Policy"] == "strict-origin" and "no-store" in page["Cache-Control"]
    opened = outsider.post("/shared/open", {"token": two_cases["token_a"]})
    assert two_cases["token_a"] not in opened["Location"]
    case_page = outsider.get(opened["Location"])
    assert case_page.status_code == 200 and b"Acme Tools" in case_page.content
    assert case_page["Referrer-Policy"] == "strict-origin"
    link = StakeholderLink.objects.get(dispute=two_cases["a"])
    actions = AuditEvent.objects.filter(
        object_type="disputes.dispute", object_id=two_cases["a"].pk, action__startswith="dispute.link"
    ).order_by("id")
    assert [(e.action, e.actor_label) for e in actions] == [
        ("dispute.link_open", f"Sam Sales <sam@sales.example> via link {link.pk}"),
        ("dispute.link_view", f"Sam Sales <sam@sales.example> via link {link.pk}"),
    ]


def test_a_link_for_case_a_never_opens_case_b(two_cases, team, now) -> None:
    outsider = _open(two_cases["token_a"])
    link_a = StakeholderLink.objects.get(dispute=two_cases["a"])
    link_b = StakeholderLink.objects.get(dispute=two_cases["b"])
    attachment_b = services.add_attachment(case=two_cases["b"], name="pod.png", chunks=[PNG], now=now, actor=team["senior"])
    for path in (
        f"/shared/{link_b.pk}/",
        f"/shared/{link_a.pk}/attachments/{attachment_b.pk}/",
        f"/disputes/{two_cases['b'].pk}/",
        f"/disputes/{two_cases['a'].pk}/",
    ):
        response = outsider.get(path)
        assert response.status_code in (302, 404), path
        assert b"Globex" not in response.content, path
    assert outsider.post(f"/shared/{link_b.pk}/comment/", {"body": "hi"}).status_code == 404
    assert not Comment.objects.filter(dispute=two_cases["b"]).exists()


def test_an_expired_link_shows_nothing(two_cases, now) -> None:
    outsider = _open(two_cases["token_a"])
    link = StakeholderLink.objects.get(dispute=two_cases["a"])
    StakeholderLink.objects.filter(pk=link.pk).update(expires_at=now - dt.timedelta(seconds=1))
    response = outsider.get(f"/shared/{link.pk}/")
    assert response.status_code == 404 and b"Acme" not in response.content and b"INV-1" not in response.content
    again = Client().post("/shared/open", {"token": two_cases["token_a"]})
    assert again.status_code == 404 and b"Acme" not in again.content
    assert AuditEvent.objects.filter(action="dispute.link_refused", after__why="expired").exists()


def test_a_revoked_link_shows_nothing(two_cases, team) -> None:
    outsider = _open(two_cases["token_a"])
    link = StakeholderLink.objects.get(dispute=two_cases["a"])
    staff = Client()
    staff.force_login(team["collector"])
    assert staff.post(f"/disputes/{two_cases['a'].pk}/links/{link.pk}/revoke/").status_code == 302
    response = outsider.get(f"/shared/{link.pk}/")
    assert response.status_code == 404 and b"Acme" not in response.content
    assert outsider.post(f"/shared/{link.pk}/comment/", {"body": "late"}).status_code == 404
    assert Client().post("/shared/open", {"token": two_cases["token_a"]}).status_code == 404
    with pytest.raises(links.LinkRefused):
        links.open_by_token(two_cases["token_a"], now=link.expires_at - dt.timedelta(days=1))
    assert Client().post("/shared/open", {"token": "not-a-token"}).status_code == 404


def test_a_stakeholder_comments_and_attaches_and_sees_no_internal_notes(two_cases, team, now) -> None:
    case = two_cases["a"]
    services.add_comment(case=case, body="Internal: customer is a slow payer", now=now, actor=team["collector"], internal=True)
    services.add_comment(case=case, body="Could you confirm the delivery?", now=now, actor=team["collector"])
    outsider = _open(two_cases["token_a"])
    link = StakeholderLink.objects.get(dispute=case)
    page = outsider.get(f"/shared/{link.pk}/").content
    assert b"Could you confirm the delivery?" in page and b"slow payer" not in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = outsider.post(
        f"/shared/{link.pk}/comment/",
        {"body": "Delivered 40 of 43 pallets, see the signed note.", "file": SimpleUploadedFile("pod.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(link=link)
    assert comment.author is None and comment.author_label == link.label and not comment.internal
    attachment = case.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.link) == ("pod.png", "image/png", link)
    download = outsider.get(f"/shared/{link.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    actions = set(
        AuditEvent.objects.filter(object_type="disputes.dispute", object_id=case.pk, actor__isnull=True).values_list(
            "action", flat=True
        )
    )
    assert {"dispute.comment", "dispute.attach", "dispute.download", "dispute.link_view"} <= actions


def test_without_a_mail_server_the_inviter_passes_the_link_on(team, acme, now, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    case = _case(team, acme, now, "INV-2")
    client = Client()
    client.force_login(team["collector"])
    page = client.post(
        f"/disputes/{case.pk}/invite/", {"email": "sam@sales.example", "name": "Sam", "role": "sales"}, follow=True
    )
    text = page.content.decode()
    assert "No mail server is set up" in text
    token = re.search(r"/shared/open#([\w-]+)", text).group(1)
    assert _open(token).get(f"/shared/{StakeholderLink.objects.get().pk}/").status_code == 200
    assert "/shared/open#" not in client.get(f"/disputes/{case.pk}/").content.decode()  # shown once
