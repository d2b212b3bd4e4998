"""The soak's simulated users, each a `requests` session driving the real pages.

- Collectors (20 by default) log in, then repeat: today's worklist (or, when it has nobody for
  them, the customer list) → a customer's call-prep sheet → an outcome posted through the
  sheet's outcome form (CSRF token, the contact, invoices and dates the sheet proposes) → the
  page it redirects to; with think time between pages. Every outcome posted is recorded
  (collector, customer, outcome, when it was sent and answered, the answer) so that the soak
  can look each one up in activities_activity afterwards.
- A manager opens the aging report (a columnar read of the whole ledger in the web process)
  and now and then rebuilds today's worklist from its page.

Requests alternate between the deployment's web servers (a load balancer with no sticky
sessions). No redirect is followed: each request is timed and judged alone.
"""

from __future__ import annotations

import html
import itertools
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CALLS_RE = re.compile(r'href="/calls/(\d+)/"')
CUSTOMER_RE = re.compile(r'href="/customers/(\d+)/"')
FORM_RE = re.compile(r'<form method="post" action="/calls/\d+/outcome/".*?</form>', re.S)
CHECKED_RE = re.compile(r'name="invoices" value="(\d+)" checked')
PROMISED_RE = re.compile(r'name="promised_date" type="date" value="([^"]*)"')
CALLBACK_RE = re.compile(r'name="callback_at" type="datetime-local" value="([^"]*)"')
CONTACT_RE = re.compile(r'<select id="contact" name="contact">.*?<option value="(\d+)" selected', re.S)
# The first real reason: the list opens with an empty "Choose the reason…" (no silent default).
REASON_RE = re.compile(
    r'<select id="dispute_reason" name="dispute_reason">(?:<option value="">[^<]*</option>)?<option value="([^"]+)"'
)
ERROR_RE = re.compile(r'<div class="errors" role="alert"><strong>Not saved:</strong>(.*?)</div>', re.S)
REBUILD_RE = re.compile(r'<form method="post" action="/worklist/rebuild/".*?name="csrfmiddlewaretoken" value="([^"]+)"', re.S)

OUTCOMES = [
    ("no_answer", 25),
    ("voicemail", 15),
    ("promise_to_pay", 20),
    ("callback", 12),
    ("conversation", 8),
    ("wrong_contact", 5),
    ("refused", 5),
    ("already_paid", 5),
    ("dispute", 5),
]
NOTES = [
    "",
    "Spoke to accounts payable; they are checking the invoice.",
    "Left a message with the reception.",
    "Contact asked us to call back after their payment run.",
    "They will confirm the payment date by e-mail.",
]


@dataclass
class Recorder:
    """Every request and every outcome posted, from all client threads."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, row: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(row)

    def outcome(self, row: dict[str, Any]) -> None:
        with self.lock:
            self.outcomes.append(row)


class Client:
    def __init__(self, who: str, urls: list[str], recorder: Recorder, stop: threading.Event, *, timeout: float) -> None:
        self.who = who
        self.urls = urls
        self.recorder = recorder
        self.stop = stop
        self.timeout = timeout
        self.session = requests.Session()
        self._turn = itertools.count(random.randrange(len(urls)))

    def call(self, method: str, path: str, name: str, **kwargs: Any) -> requests.Response | None:
        base = self.urls[next(self._turn) % len(self.urls)]
        headers = {"Referer": f"{base}{path}"} if method == "POST" else {}
        start, wall = time.perf_counter(), time.time()
        row: dict[str, Any] = {"t": round(wall, 3), "who": self.who, "name": name, "server": base, "status": None, "error": None}
        try:
            resp = self.session.request(
                method, base + path, timeout=self.timeout, allow_redirects=False, headers=headers, **kwargs
            )
        except requests.RequestException as exc:
            row.update(ms=round((time.perf_counter() - start) * 1000, 1), error=f"{type(exc).__name__}: {exc}"[:300])
            self.recorder.request(row)
            return None
        row.update(ms=round((time.perf_counter() - start) * 1000, 1), status=resp.status_code)
        if resp.status_code >= 500:
            row["error"] = f"{resp.status_code}: {resp.text[:300]}"
        self.recorder.request(row)
        return resp

    def login(self, email: str, password: str) -> bool:
        for attempt in range(5):
            page = self.call("GET", "/login/", "login page")
            token = _first(CSRF_RE, page.text) if page is not None else ""
            data = {"username": email, "password": password, "csrfmiddlewaretoken": token}
            resp = self.call("POST", "/login/", "login", data=data)
            if resp is not None and resp.status_code == 302 and "/login/" not in resp.headers.get("Location", ""):
                return True
            if self.stop.wait(2 + 2 * attempt):
                return False
        return False

    def think(self, low: float, high: float) -> bool:
        """Wait like a person; False once the soak is over."""
        return not self.stop.wait(random.uniform(low, high))


def collector(client: Client, email: str, password: str, think: tuple[float, float], seed: int) -> None:
    rng = random.Random(seed)
    if not client.login(email, password):
        client.recorder.request({"t": time.time(), "who": email, "name": "login", "status": None, "error": "could not log in"})
        return
    while not client.stop.is_set():
        customer = _pick_customer(client, rng)
        if customer is None:
            if not client.think(*think):
                return
            continue
        if not client.think(*think):
            return
        sheet = client.call("GET", f"/calls/{customer}/", "prep sheet")
        if sheet is None or sheet.status_code != 200:
            client.think(*think)
            continue
        if not client.think(*think):  # the call itself
            return
        _post_outcome(client, email, customer, sheet.text, rng)
        if not client.think(*think):
            return


def _pick_customer(client: Client, rng: random.Random) -> str | None:
    page = client.call("GET", "/worklist/", "worklist page")
    ids = CALLS_RE.findall(page.text) if page is not None and page.status_code == 200 else []
    if not ids:
        # Nobody on today's list for this collector (outside the strategies' hours, or before
        # the first rebuild): work from the customer list instead, most overdue first.
        listing = client.call("GET", f"/customers/?sort=-overdue&page={rng.randint(1, 3)}", "customer list")
        ids = CUSTOMER_RE.findall(listing.text) if listing is not None and listing.status_code == 200 else []
    return rng.choice(ids[:10]) if ids else None


def _post_outcome(client: Client, email: str, customer: str, sheet: str, rng: random.Random) -> None:
    form_match = FORM_RE.search(sheet)
    form = form_match.group(0) if form_match else sheet
    outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    invoices = CHECKED_RE.findall(form)
    if outcome in ("promise_to_pay", "dispute") and not invoices:
        outcome = "callback"  # nothing overdue to promise or dispute: the collector books a callback
    data: dict[str, Any] = {"csrfmiddlewaretoken": _first(CSRF_RE, form), "outcome": outcome, "notes": rng.choice(NOTES)}
    contact = CONTACT_RE.search(form)
    if contact:
        data["contact"] = contact.group(1)
    if outcome == "promise_to_pay":
        data.update(invoices=invoices, promise_amount="500", promised_date=_first(PROMISED_RE, form), sentiment="positive")
    elif outcome == "dispute":
        data.update(invoices=invoices[:1], dispute_reason=_first(REASON_RE, form))
    elif outcome == "callback":
        data["callback_at"] = _first(CALLBACK_RE, form)
    sent = time.time()
    resp = client.call("POST", f"/calls/{customer}/outcome/", "outcome POST", data=data)
    answered = time.time()
    record: dict[str, Any] = {
        "collector": email,
        "customer_id": int(customer),
        "outcome": outcome,
        "sent_at": round(sent, 3),
        "answered_at": round(answered, 3),
        "status": resp.status_code if resp is not None else None,
    }
    if resp is not None and resp.status_code == 422:
        record["refused"] = html.unescape(" ".join(_first(ERROR_RE, resp.text).split()))[:300]
    client.recorder.outcome(record)
    if resp is not None and resp.status_code == 302:
        client.call("GET", resp.headers.get("Location", f"/calls/{customer}/"), "prep sheet after outcome")


def manager(client: Client, email: str, password: str, every: float, rebuild_every: int) -> None:
    """The aging report every `every` seconds; the worklist rebuilt from its page every `rebuild_every`-th time."""
    if not client.login(email, password):
        return
    for n in itertools.count(1):
        if client.stop.wait(every):
            return
        client.call("GET", "/reports/aging/", "aging report")
        if n % rebuild_every == 0:
            page = client.call("GET", "/worklist/", "worklist page (manager)")
            token = _first(REBUILD_RE, page.text) if page is not None else ""
            if token:
                client.call("POST", "/worklist/rebuild/", "worklist rebuild POST", data={"csrfmiddlewaretoken": token})


def session_cookie(urls: list[str], email: str, password: str, recorder: Recorder) -> str:
    """A logged-in session for the API fuzzer (the API authenticates by session)."""
    client = Client(f"fuzzer-login:{email}", urls[:1], recorder, threading.Event(), timeout=60)
    if not client.login(email, password):
        return ""
    return client.session.cookies.get("sessionid") or ""


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return html.unescape(match.group(1)) if match else ""
