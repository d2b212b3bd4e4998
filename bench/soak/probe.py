"""Small Django-side steps of the soak, each run as its own process with the deployment's env.

    python bench/soak/probe.py users --count 20 --password P   # the soak's collectors beyond the demo's four
    python bench/soak/probe.py enqueue rebuild score judge retrain   # queue jobs the way the scheduler does
    python bench/soak/probe.py queue                            # jobs waiting in the queue, as JSON

`enqueue` puts the same tasks on the same queue as huey's periodic scheduler (the hourly worklist
rebuild at :05, the nightly retrain and judging of promises) and an import (scoring every open
item): the soak only compresses the clock, so that a 10-minute run sees several of them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

DEMO_COLLECTORS = [f"collector{i}@demo.recoup.example" for i in range(1, 5)]
SOAK_COLLECTOR = "collector{:02d}@soak.recoup.example"


def collector_emails(count: int) -> list[str]:
    """The demo's four collectors first, then soak collectors up to `count`."""
    extra = [SOAK_COLLECTOR.format(i) for i in range(len(DEMO_COLLECTORS) + 1, count + 1)]
    return (DEMO_COLLECTORS + extra)[:count]


def users(count: int, password: str) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    from recoup.accounts.models import Role, User

    hashed = make_password(password)  # one Argon2 hash shared by all: 16 more would only cost time
    created = []
    for email in collector_emails(count):
        if User.objects.filter(email=email).exists():
            continue
        n = email.split("@")[0].removeprefix("collector")
        User.objects.create(
            email=email, username=email, role=Role.COLLECTOR, first_name="Soak", last_name=f"Collector {n}", password=hashed
        )
        created.append(email)
    return {"collectors": collector_emails(count), "created": created}


def enqueue(what: list[str]) -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    from recoup.prediction.tasks import retrain_task, score_open_items_task
    from recoup.worklist.tasks import judge_promises_task, rebuild_task

    tasks = {"rebuild": rebuild_task, "score": score_open_items_task, "judge": judge_promises_task, "retrain": retrain_task}
    queued = {}
    for name in what:
        task = tasks[name].s()  # the task itself, so that its id can be followed in the workers' logs
        HUEY.enqueue(task)
        queued[name] = task.id
    return {"queued": queued}


def queue() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    return {"pending": HUEY.pending_count(), "scheduled": HUEY.scheduled_count()}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="step", required=True)
    u = sub.add_parser("users")
    u.add_argument("--count", type=int, required=True)
    u.add_argument("--password", required=True)
    e = sub.add_parser("enqueue")
    e.add_argument("what", nargs="+", choices=["rebuild", "score", "judge", "retrain"])
    sub.add_parser("queue")
    args = parser.parse_args()
    import django

    django.setup()
    if args.step == "users":
        out = users(args.count, args.password)
    elif args.step == "enqueue":
        out = enqueue(args.what)
    else:
        out = queue()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
