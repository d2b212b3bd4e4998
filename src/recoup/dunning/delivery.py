"""Sending the outbox over SMTP: claim a queued message, hand it to the server, write its status.

The order of the three steps is what makes a crash harmless:

1. *Claim*: one conditional UPDATE takes a queued message whose lease has run out (or was never
   taken) for this worker, for ``lease`` seconds. Two workers never hold the same message.
2. *Hand over*: MAIL, RCPT, DATA on an SMTP connection (reused for the batch). The server's
   answer to DATA is the acceptance.
3. *Status*: one UPDATE writes sent (or failed, or queued again with a later attempt) and the
   server's answer, in autocommit, right after the answer arrives.

A worker killed before 3 leaves the message queued with a lease that runs out; the sweep
(recoup.dunning.sending) sends it again with the same Message-ID. So nothing is lost, and a
message can reach the server twice only when the kill falls between the server's acceptance and
the status write, a window of one UPDATE; the receiver sees the same Message-ID both times.

The customer's activity-log entry for each outcome is written afterwards for the whole batch
(one transaction, so the worklist hears once), and by the sweep for any message a crash left
without one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import email.utils
import os
import secrets
import signal
import smtplib
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q

from recoup.activities.models import Channel as ActivityChannel
from recoup.activities.models import Outcome
from recoup.activities.services import log_activity
from recoup.dunning.models import Channel, Message, MessageStatus
from recoup.ledger.clock import business_date
from recoup.ledger.models import Invoice
from recoup.ledger.statement import statement_pdf

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=2)
NO_SERVER = "No mail server is configured (RECOUP_SMTP_URL): kept in the outbox."
FOR_PRINT = "A letter without an e-mail address: printed with the day's letters."


class SmtpUrlError(ValueError):
    """RECOUP_SMTP_URL cannot be used; the text says what is wrong with it."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    starttls: bool
    ssl: bool
    timeout: float = 30.0


def smtp_server(url: str | None = None) -> SmtpServer | None:
    """The server of ``url`` (default RECOUP_SMTP_URL), None when there is none.

    ``smtp://user:pass@host:587?starttls=1`` (STARTTLS), ``smtps://…:465`` (TLS from the start),
    ``smtp://host:25``; user and password are percent-decoded.
    """
    url = str(getattr(settings, "RECOUP_SMTP_URL", "") if url is None else url).strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlError(f"RECOUP_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise SmtpUrlError("RECOUP_SMTP_URL names no host (smtp://user:password@host:587?starttls=1)")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise SmtpUrlError("RECOUP_SMTP_URL has a port that is not a number between 1 and 65535") from None
    query = parse_qs(parts.query)
    flag = (query.get("starttls") or query.get("tls") or ["0"])[0].lower()
    timeout = float((query.get("timeout") or ["30"])[0])
    return SmtpServer(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        starttls=flag in ("1", "true", "yes", "on"),
        ssl=parts.scheme == "smtps",
        timeout=timeout,
    )


def lease() -> dt.timedelta:
    """How long a claim holds: longer than any one hand-over, short enough that a crashed
    worker's messages go out again soon (RECOUP_OUTBOX_LEASE_SECONDS, default 120)."""
    return dt.timedelta(seconds=float(os.environ.get("RECOUP_OUTBOX_LEASE_SECONDS", "120")))


def fault_point(name: str) -> None:
    """Kill this process at a named point, for the fault-injection test only.

    RECOUP_FAULT_POINT=name:n sends SIGKILL to the process the n-th time it passes ``name``;
    unset (always, outside that test) it costs one dictionary lookup.
    """
    wanted = os.environ.get("RECOUP_FAULT_POINT")
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_passes: dict[str, int] = {}


# --- claiming ----------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return (
        Q(status=MessageStatus.QUEUED)
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def claim(message_ids: Iterable[int] | None, *, now: dt.datetime, limit: int = 500) -> list[Message]:
    """Take the claimable messages among ``message_ids`` (None: any due one, oldest first)."""
    token = secrets.token_hex(16)
    candidates = Message.objects.filter(_claimable(now))
    if message_ids is not None:
        candidates = candidates.filter(pk__in=list(message_ids))
    pks = list(candidates.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    if not pks:
        return []
    # The condition is repeated in the UPDATE: a row another worker took in between is skipped.
    Message.objects.filter(_claimable(now), pk__in=pks).update(
        claim=token, claimed_until=now + lease(), attempts=F("attempts") + 1
    )
    return list(Message.objects.filter(claim=token, pk__in=pks).select_related("customer", "step").order_by("pk"))


# --- the SMTP conversation ----------------------------------------------------------------------


class Connection:
    """One SMTP session, opened on first use and reused for a batch."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.server
        smtp: smtplib.SMTP
        if s.ssl:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls()
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def send(self, mail: MIMEBase, sender: str, recipients: Sequence[str]) -> str:
        """Hand ``mail`` over; the server's answer to DATA (e.g. "250 2.0.0 Ok: queued as X")."""
        if self._smtp is None:
            self._smtp = self._open()
        smtp = self._smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({rcpt: (code, reply)})
            code, reply = smtp.data(wire_bytes(mail))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException:
            self._reset()
            raise
        except smtplib.SMTPRecipientsRefused:
            self._reset()
            raise
        except (smtplib.SMTPException, OSError):
            self.close()
            raise
        return f"{code} {reply.decode(errors='replace')}"

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def answer_of(exc: BaseException) -> tuple[str, bool]:
    """(the server's answer or the connection problem, whether trying later may help)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return f"{code} {reply.decode(errors='replace')}", 400 <= code < 500
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"The mail server does not offer what RECOUP_SMTP_URL asks for: {exc}", False
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}", not 500 <= exc.smtp_code < 600
    if isinstance(exc, socket.timeout | TimeoutError):
        return "The mail server did not answer in time.", True
    return f"Could not talk to the mail server: {exc}", True


def sender_address() -> str:
    return str(getattr(settings, "RECOUP_MAIL_FROM", "") or settings.DEFAULT_FROM_EMAIL)


def as_email(message: Message, attachments: Sequence[tuple[str, bytes]] = ()) -> MIMEBase:
    """The MIME message: text and HTML bodies, the stable Message-ID, the attachments (PDFs).

    Built with the classic MIME classes rather than EmailMessage: the header registry of the
    newer API costs more than the whole SMTP conversation with a local server.
    """
    body: MIMEBase = MIMEText(message.body_text, "plain", "utf-8")
    if message.body_html:
        body = _multipart("alternative", [body, MIMEText(message.body_html, "html", "utf-8")])
    mail: MIMEBase = body
    if attachments:
        files: list[MIMEBase] = []
        for filename, content in attachments:
            part = MIMEApplication(content, "pdf" if filename.lower().endswith(".pdf") else "octet-stream")
            part.add_header("Content-Disposition", "attachment", filename=filename)
            files.append(part)
        mail = _multipart("mixed", [body, *files])
    mail["From"] = sender_address()
    mail["To"] = (
        email.utils.formataddr((message.to_name, message.to_address), charset="utf-8") if message.to_name else message.to_address
    )
    mail["Subject"] = Header(message.subject, "utf-8").encode() if not message.subject.isascii() else message.subject
    mail["Date"] = email.utils.format_datetime(message.created_at)
    mail["Message-ID"] = message.message_id
    mail["Content-Language"] = message.language
    return mail


def _multipart(subtype: str, parts: Sequence[MIMEBase]) -> MIMEMultipart:
    container = MIMEMultipart(subtype)
    for part in parts:
        container.attach(part)
    return container


def wire_bytes(mail: MIMEBase) -> bytes:
    """The message as sent: CRLF line ends (smtplib does not convert them in bytes)."""
    return mail.as_bytes(policy=_WIRE)


_WIRE = email.policy.compat32.clone(linesep="\r\n")


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most two hours."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), MAX_RETRY_DELAY)


# --- status ------------------------------------------------------------------------------------


def finish(message: Message, status: str, reply: str, *, now: dt.datetime) -> None:
    """Write the outcome of this worker's attempt (only while its claim holds)."""
    fields: dict[str, object] = {"status": status, "server_reply": reply[:500], "claim": "", "claimed_until": None}
    if status == MessageStatus.SENT:
        fields.update(sent_at=now, last_error="", next_attempt_at=None)
    elif status == MessageStatus.FAILED:
        fields.update(last_error=reply)
    elif status == MessageStatus.QUEUED:
        fields.update(last_error=reply, next_attempt_at=now + retry_delay(message.attempts))
    Message.objects.filter(pk=message.pk, claim=message.claim).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)


_OUTCOME_WORDS = {
    MessageStatus.SENT: "sent",
    MessageStatus.HELD: "kept in the outbox (no mail server configured)",
    MessageStatus.FAILED: "could not be sent",
}


def log_outcomes(message_ids: Iterable[int], *, now: dt.datetime) -> int:
    """The customer's activity-log entry for each message that reached an outcome and has none.

    One transaction for all of them, so the worklist hears of the batch once.
    """
    with transaction.atomic():
        pending = list(
            Message.objects.select_for_update(of=("self",))
            .filter(pk__in=list(message_ids), activity__isnull=True, status__in=list(_OUTCOME_WORDS), customer__isnull=False)
            .select_related("customer", "created_by")
        )
        for message in pending:
            customer = message.customer
            assert customer is not None  # filtered above: internal messages are not contacts
            message.activity = log_activity(
                actor=message.created_by,
                customer=customer,
                at=message.sent_at or now,
                channel=ActivityChannel.EMAIL if message.channel == Channel.EMAIL else ActivityChannel.LETTER,
                outcome=Outcome.SENT if message.status == MessageStatus.SENT else Outcome.NONE,
                objective="follow_up",
                notes=activity_note(message),
            )
        Message.objects.bulk_update(pending, ["activity"], batch_size=500)
    return len(pending)


def activity_note(message: Message) -> str:
    kind = "Letter" if message.channel == Channel.LETTER else "E-mail"
    to = f" to {message.to_address}" if message.to_address else ""
    step = f" ({message.step_key})" if message.step_key else ""
    words = _OUTCOME_WORDS.get(MessageStatus(message.status), message.status)
    reply = f"\nServer: {message.server_reply}" if message.server_reply and message.status != MessageStatus.HELD else ""
    return f"{kind}{step}{to} {words}: “{message.subject}”{reply}\nMessage-ID {message.message_id}"


# --- a batch -----------------------------------------------------------------------------------


@dataclass
class Delivered:
    """What one batch did, by message pk."""

    sent: list[int]
    held: list[int]
    failed: list[int]
    retry: list[int]

    @property
    def count(self) -> int:
        return len(self.sent) + len(self.held) + len(self.failed) + len(self.retry)


def deliver(message_ids: Iterable[int] | None, *, now: dt.datetime, limit: int = 500) -> Delivered:
    """Send the claimable messages among ``message_ids`` (None: every due one, up to ``limit``)
    over one SMTP connection; hold them when no server is configured."""
    server = smtp_server()
    messages = claim(message_ids, now=now, limit=limit)
    done = Delivered([], [], [], [])
    connection = Connection(server) if server is not None else None
    with _quick_commits():
        try:
            for message in messages:
                _deliver_one(message, connection, now=now, done=done)
        finally:
            if connection is not None:
                connection.close()
        if messages:
            log_outcomes([m.pk for m in messages], now=now)
    return done


@contextlib.contextmanager
def _quick_commits() -> Iterator[None]:
    """On PostgreSQL, the batch's status writes commit without waiting for the WAL flush.

    A crash of this process loses nothing by it (PostgreSQL has the commit); only a crash of the
    database server itself could lose the last few status writes, which puts those messages back
    in the acceptance window (sent again with the same Message-ID), never loses one.
    """
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def _deliver_one(message: Message, connection: Connection | None, *, now: dt.datetime, done: Delivered) -> None:
    if message.channel == Channel.LETTER and not message.to_address:
        finish(message, MessageStatus.SENT, FOR_PRINT, now=now)
        done.sent.append(message.pk)
        return
    if connection is None:
        finish(message, MessageStatus.HELD, NO_SERVER, now=now)
        done.held.append(message.pk)
        return
    try:
        mail = as_email(message, attachments_for(message))
        reply = connection.send(mail, sender_address(), [message.to_address])
    except (smtplib.SMTPException, OSError) as exc:
        answer, transient = answer_of(exc)
        if transient and message.attempts < MAX_ATTEMPTS:
            finish(message, MessageStatus.QUEUED, answer, now=now)
            done.retry.append(message.pk)
        else:
            finish(message, MessageStatus.FAILED, answer, now=now)
            done.failed.append(message.pk)
        return
    # The server has the message; a crash from here to the status write is the one window in
    # which it can go out twice (with the same Message-ID).
    fault_point("accepted")
    finish(message, MessageStatus.SENT, reply, now=now)
    done.sent.append(message.pk)
    fault_point("status_written")


def attachments_for(message: Message) -> list[tuple[str, bytes]]:
    """The PDFs that go with a message: the letter itself for a letter step, and the statement
    of account when the step asks for it; dated by the day the message was written."""
    if message.customer is None:  # an internal message: its stored files
        data_dir = Path(settings.DATA_DIR)
        return [(str(f["name"]), (data_dir / str(f["path"])).read_bytes()) for f in message.attachments or []]
    as_of = business_date(message.created_at)
    ref = message.customer.customer_ref
    files: list[tuple[str, bytes]] = []
    if message.channel == Channel.LETTER:
        files.append((f"letter-{ref}-{as_of:%Y-%m-%d}.pdf", letter_for(message, as_of)))
    if message.step is not None and message.step.attach_statement:
        files.append(
            (f"statement-{ref}-{as_of:%Y-%m-%d}.pdf", statement_pdf(message.customer, as_of=as_of, language=message.language))
        )
    return files


def letter_for(message: Message, as_of: dt.date) -> bytes:
    """The message as a PDF letter (recoup.ledger.letters), listing the invoices it names."""
    # Imported here while the letters module is being written beside this one.
    from recoup.ledger import letters

    customer = message.customer
    assert customer is not None  # attachments_for sends internal messages their stored files
    invoices = list(Invoice.objects.filter(pk__in=message.items.values("invoice_id")).order_by("due_date", "invoice_ref"))
    return bytes(
        letters.letter_pdf(
            customer,
            subject=message.subject,
            body_text=message.body_text,
            invoices=invoices,
            as_of=as_of,
            language=message.language,
        )
    )
