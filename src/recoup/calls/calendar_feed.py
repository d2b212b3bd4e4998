"""A user's open follow-ups as an iCalendar feed (RFC 5545), written with the icalendar library."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from icalendar import Calendar, Event

from recoup.worklist.models import Task

# Long enough to subscribe once and see the coming weeks; old items fall off.
HORIZON_DAYS = 60
DURATION = dt.timedelta(minutes=15)


def feed_for(user: Any, *, now: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//recoup//follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"recoup follow-ups: {user.email}")
    tasks = (
        Task.objects.filter(user=user, status=Task.Status.OPEN, due_at__lte=now + dt.timedelta(days=HORIZON_DAYS))
        .select_related("customer")
        .order_by("due_at")[:1000]
    )
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "recoup"
    for task in tasks:
        event = Event()
        event.add("uid", f"task-{task.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", task.due_at)
        event.add("dtend", task.due_at + DURATION)
        event.add("summary", f"{task.title}: {task.customer.name}")
        event.add("description", f"{task.get_kind_display()} · {task.customer.customer_ref} · customer time zone {task.zone}")
        event.add("categories", [task.get_kind_display()])
        calendar.add_component(event)
    return calendar.to_ical()
