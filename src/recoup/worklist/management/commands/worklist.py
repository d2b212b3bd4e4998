"""`recoup worklist`: today's calls, at any instant, for everyone or one collector."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.accounts.models import User
from recoup.worklist import services
from recoup.worklist.models import ON_LIST


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at {text!r} is not an ISO 8601 date-time (e.g. 2026-11-23T15:00:00Z)") from exc
    if value.tzinfo is None:
        raise CommandError(f"--at {text!r} needs a UTC offset or Z, so the instant is unambiguous")
    return value


class Command(BaseCommand):
    help = (
        "List the customers to call at an instant (default: now), best first: only those whose local "
        "call window includes it, unless --all-day. --rebuild also stores the list for the web pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="ISO 8601 instant with offset, e.g. 2026-11-23T15:00:00Z (default: now)")
        parser.add_argument("--collector", help="only this collector's list (e-mail), plus the shared pool")
        parser.add_argument("--all-day", action="store_true", help="everyone on the day's list, callable at --at or not")
        parser.add_argument("--why-not", metavar="CUSTOMER_REF", help="explain one customer's place (or absence)")
        parser.add_argument("--rebuild", action="store_true", help="store this build as today's worklist")
        parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        at = _instant(options["at"]) if options["at"] else timezone.now()
        collector = None
        if options["collector"]:
            collector = User.objects.filter(email__iexact=options["collector"]).first()
            if collector is None:
                raise CommandError(f"no user with e-mail {options['collector']!r}")
        if options["rebuild"]:
            result = services.rebuild(at=at)
            entries = result.entries if result.entries is not None else pl.DataFrame()
            self.stderr.write(f"stored {result.customers} entries ({result.on_list} on the list) in {result.seconds:.1f} s")
        else:
            entries, _ = services.compute(at=at)
        emails = dict(User.objects.values_list("pk", "email"))
        if options["why_not"]:
            self._why_not(entries, options["why_not"], at, emails, as_json=options["json"])
            return
        rows = entries.filter(pl.col("status").is_in([str(s) for s in ON_LIST])) if entries.height else entries
        if rows.height and not options["all_day"]:
            rows = rows.filter((pl.col("window_start") <= at) & (pl.col("window_end") > at))
        if collector is not None and rows.height:
            rows = rows.filter((pl.col("collector_id") == collector.pk) | (pl.col("status") == "pool"))
        out = [self._row(r, at, emails) for r in rows.iter_rows(named=True)] if rows.height else []
        if options["json"]:
            self.stdout.write(json.dumps({"at": at.isoformat(), "count": len(out), "entries": out}, indent=2))
            return
        if not out:
            self.stdout.write(f"Nobody to call at {at:%Y-%m-%d %H:%M %Z}.")
            return
        for i, r in enumerate(out, 1):
            flag = " ESCALATED" if r["escalated"] else ""
            self.stdout.write(
                f"{i:>4}. {r['points']:>4} pts  {r['customer_ref']}  {r['customer']}  [{r['collector'] or 'pool'}]{flag}\n"
                f"       {r['objective_text']}\n"
                f"       {r['contact'] or 'no contact'} {r['phone'] or ''}  local {r['local_time'][11:16]} ({r['zone']})\n"
                f"       why: {'; '.join(r['reasons'])}"
            )

    def _row(self, r: dict[str, Any], at: dt.datetime, emails: dict[int, str]) -> dict[str, Any]:
        start, end = r["window_start"], r["window_end"]
        return {
            "customer_ref": r["customer_ref"],
            "customer": r["name"],
            "status": r["status"],
            "collector": emails.get(r["collector_id"]) if r["collector_id"] is not None else None,
            "escalated": r["escalated"],
            "points": r["points"],
            "cash_at_risk": r["cash_at_risk"],
            "overdue_amount": r["overdue_amount"],
            "days_overdue": r["days_overdue"],
            "objective": r["objective"],
            "objective_text": r["objective_text"],
            "reasons": r["reasons"],
            "contact": r["contact_name"],
            "phone": r["phone"] or None,
            "zone": r["zone"],
            "local_time": at.astimezone(zoneinfo.ZoneInfo(r["zone"])).isoformat(),
            "window_start": start.isoformat() if start else None,
            "window_end": end.isoformat() if end else None,
            "callable_now": bool(start and end and start <= at < end),
            "predicted_pay_date": r["predicted_pay_date"].isoformat() if r["predicted_pay_date"] else None,
        }

    def _why_not(self, entries: pl.DataFrame, ref: str, at: dt.datetime, emails: dict[int, str], *, as_json: bool) -> None:
        row = entries.filter(pl.col("customer_ref") == ref) if entries.height else entries
        from recoup.ledger.models import Customer

        if not Customer.objects.filter(customer_ref=ref).exists():
            raise CommandError(f"no customer {ref!r}")
        answer: dict[str, Any]
        if row.height == 0:
            answer = {
                "customer_ref": ref,
                "on_list": False,
                "status": "nothing_open",
                "explanation": "Nothing is open on this account.",
            }
        else:
            r = row.row(0, named=True)
            info = self._row(r, at, emails)
            on_list = r["status"] in ON_LIST
            if on_list and not info["callable_now"]:
                explanation = f"On the day's list, but outside the customer's call window at {at:%H:%M %Z}."
            elif on_list:
                explanation = f"On the list ({info['collector'] or 'shared pool'}) and callable now."
            else:
                explanation = r["detail"]
            answer = {"customer_ref": ref, "on_list": on_list and info["callable_now"], **info, "explanation": explanation}
        if as_json:
            self.stdout.write(json.dumps(answer, indent=2))
        else:
            self.stdout.write(f"{ref}: {answer['explanation']}")
            for reason in answer.get("reasons") or []:
                self.stdout.write(f"  - {reason}")
