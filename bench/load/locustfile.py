"""Locust user for bench/load/run.py: one collector working today's calls in the browser.

Each simulated user logs in as its own collector (e-mails from LOAD_USERS, one per user, in
spawn order; password LOAD_PASSWORD) and then repeats, with think time between the pages:

    worklist page → the first customer on it (call-prep sheet) → log an outcome (POST) →
    the prep sheet the outcome redirects to → back to the worklist

The outcome mix is no answer, voicemail, a promise to pay (the invoices the sheet pre-ticks, an
amount, the promised date the sheet proposes) and a callback at the time the sheet proposes.
Redirects are not followed by the outcome POST, so its time is the POST alone; the page a
browser would then load is requested (and timed) separately.

Every request's time is appended to LOAD_SAMPLES (JSON lines) so that run.py computes exact
percentiles instead of locust's rounded ones. Expected statuses: 200 for pages, 302 for the
login and the outcome POST; anything else is a failure.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import time
from typing import Any

from locust import HttpUser, between, events, task

USERS = [u for u in os.environ.get("LOAD_USERS", "").split(",") if u]
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
SAMPLES = os.environ.get("LOAD_SAMPLES", "")
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "2"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "5"))
OUTCOMES = [("no_answer", 35), ("voicemail", 25), ("promise_to_pay", 25), ("callback", 15)]
NOTES = [
    "",
    "Spoke to accounts payable; they are checking the invoice.",
    "Left a message with the reception.",
    "Contact asked us to call back after their payment run.",
    "Thanked them for the update; they will confirm by e-mail.",
]

_next_user = itertools.count()
_lock = threading.Lock()
_samples: list[str] = []

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CUSTOMER_RE = re.compile(r'href="/calls/(\d+)/"')
FORM_RE = re.compile(r'<form method="post" action="/calls/\d+/outcome/".*?</form>', re.S)
CHECKED_INVOICE_RE = re.compile(r'name="invoices" value="(\d+)" checked')
PROMISED_DATE_RE = re.compile(r'name="promised_date" type="date" value="([^"]*)"')
CALLBACK_RE = re.compile(r'name="callback_at" type="datetime-local" value="([^"]*)"')
CONTACT_RE = re.compile(r'<option value="(\d+)" selected>')


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, response: Any = None, **_: Any) -> None:
    status = getattr(response, "status_code", None)
    row = {
        "t": round(time.time(), 3),
        "name": name,
        "ms": round(response_time, 3),
        "status": status,
        "error": str(exception) if exception else None,
    }
    with _lock:
        _samples.append(json.dumps(row))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    if SAMPLES:
        with _lock, open(SAMPLES, "a") as fh:
            fh.write("".join(line + "\n" for line in _samples))


class Collector(HttpUser):
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self) -> None:
        index = next(_next_user)
        self.email = USERS[index % len(USERS)]
        self.rng = random.Random(index)
        page = self.client.get("/login/", name="login page")
        token = _csrf(page.text)
        with self.client.post(
            "/login/",
            data={"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/worklist/"},
            headers={"Referer": f"{self.host}/login/"},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as resp:
            if resp.status_code != 302:
                resp.failure(f"login of {self.email} answered {resp.status_code}")
                raise RuntimeError(f"login failed for {self.email}")

    @task
    def work_one_customer(self) -> None:
        with self.client.get("/worklist/", name="worklist page", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"worklist answered {resp.status_code}")
                return
            match = CUSTOMER_RE.search(resp.text)
            if match is None:
                resp.failure(f"{self.email}: the worklist is empty")
                return
        customer = match.group(1)
        self.wait()
        with self.client.get(f"/calls/{customer}/", name="prep sheet", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"prep sheet answered {resp.status_code}")
                return
            sheet = resp.text
        self.wait()  # the call itself
        data = self._outcome(sheet)
        with self.client.post(
            f"/calls/{customer}/outcome/",
            data=data,
            headers={"Referer": f"{self.host}/calls/{customer}/"},
            allow_redirects=False,
            name="outcome POST",
            catch_response=True,
        ) as resp:
            if resp.status_code != 302:
                resp.failure(f"outcome {data['outcome']} answered {resp.status_code}")
                return
            location = resp.headers.get("Location", "")
        with self.client.get(location, name="prep sheet after outcome", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"prep sheet after the outcome answered {resp.status_code}")

    def _outcome(self, sheet: str) -> dict[str, Any]:
        form_match = FORM_RE.search(sheet)
        form = form_match.group(0) if form_match else sheet
        outcome = self.rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        invoices = CHECKED_INVOICE_RE.findall(form)
        if outcome == "promise_to_pay" and not invoices:
            outcome = "callback"  # nothing overdue to promise: the collector books a callback instead
        data: dict[str, Any] = {"csrfmiddlewaretoken": _csrf(form), "outcome": outcome, "notes": self.rng.choice(NOTES)}
        contact = CONTACT_RE.search(form)
        if contact:
            data["contact"] = contact.group(1)
        if outcome == "promise_to_pay":
            data["invoices"] = invoices
            data["promise_amount"] = "500"
            data["promised_date"] = _first(PROMISED_DATE_RE, form)
            data["sentiment"] = "positive"
        elif outcome == "callback":
            data["callback_at"] = _first(CALLBACK_RE, form)
        return data


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return html.unescape(match.group(1)) if match else ""


def _csrf(text: str) -> str:
    return _first(CSRF_RE, text)
