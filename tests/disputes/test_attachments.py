"""Attachments: accepted by content, not by name; size-limited; kept in the data directory under
names of ours; served only to users who may see the case (and to its stakeholders' links)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recoup.disputes import attachments, services
from recoup.disputes.attachments import AttachmentRefused
from recoup.disputes.models import Attachment

from .conftest import invoice

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("delivery-note.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("notes.txt", "Palette 3 beschädigt\n".encode(), "text/plain; charset=utf-8"),
        ("counts.csv", b"sku,qty\nA,3\n", "text/plain; charset=utf-8"),
        ("prices.xlsx", _xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_accepted_by_content(name, data, content_type) -> None:
    checked = attachments.check(name, [data])
    assert (checked.content_type, checked.size) == (content_type, len(data))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "none of the accepted types"),
        ("invoice.pdf", b"just some text", "the name says .pdf but the content is TEXT"),
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff", "none of the accepted types"),
        ("page.txt", b"<!DOCTYPE html><html></html>", "none of the accepted types"),
        ("photo.png", PDF, "the name says .png but the content is PDF"),
        ("tool.exe", PNG, "files ending .exe are not accepted"),
        ("empty.pdf", b"", "is empty"),
        ("fake.xlsx", b"PK\x03\x04garbage", "none of the accepted types"),
    ],
)
def test_refused_with_the_reason(name, data, reason) -> None:
    with pytest.raises(AttachmentRefused, match=reason):
        attachments.check(name, [data])


def test_size_limited(settings) -> None:
    settings.RECOUP_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(AttachmentRefused, match="larger than 100 bytes"):
        attachments.check("big.pdf", [b"%PDF-" + b"x" * 60, b"x" * 60])
    with pytest.raises(AttachmentRefused, match="is 5,000 bytes; attachments may be at most 100"):
        attachments.check("big.pdf", [PDF], declared_size=5000)


def test_the_uploaders_name_is_only_a_label() -> None:
    assert attachments.clean_name("../../etc/passwd\x00.pdf") == "passwd.pdf"
    assert attachments.clean_name("C:\\Users\\x\\photo.png") == "photo.png"


@pytest.mark.django_db
def test_stored_in_the_data_directory_and_served_only_to_who_may_see_the_case(team, acme, now, settings) -> None:
    case = services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice("INV-1")], reason="quality", now=now)
    owner = Client()
    owner.force_login(team["collector"])
    response = owner.post(
        f"/disputes/{case.pk}/comment/", {"body": "Photo of the damage", "file": SimpleUploadedFile("../damage.png", PNG)}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    stored = Path(settings.DATA_DIR) / "attachments" / str(case.pk) / attachment.stored_name
    assert stored.read_bytes() == PNG and attachment.original_name == "damage.png"
    url = f"/disputes/{case.pk}/attachments/{attachment.pk}/"
    download = owner.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment;") and download["Content-Type"] == "image/png"
    other = Client()
    other.force_login(team["other"])  # another collector's portfolio
    assert other.get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the log-in page
    senior = Client()
    senior.force_login(team["senior"])
    assert senior.get(url).status_code == 200


@pytest.mark.django_db
def test_a_refused_upload_keeps_nothing(team, acme, now, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    case = services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice("INV-1")], reason="quality", now=now)
    owner = Client()
    owner.force_login(team["collector"])
    response = owner.post(f"/disputes/{case.pk}/comment/", {"file": SimpleUploadedFile("x.pdf", b"plain words")}, follow=True)
    assert "the name says .pdf but the content is TEXT" in response.content.decode()
    assert not Attachment.objects.exists()
    folder = attachments.root() / str(case.pk)
    assert not folder.exists() or not list(folder.iterdir())
