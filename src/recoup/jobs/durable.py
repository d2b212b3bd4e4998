"""Huey tasks that survive a busy or vanished database, and leave a record a manager can read.

Every recoup task is declared with ``durable_task`` or ``durable_periodic_task`` instead of
huey's ``db_task``/``db_periodic_task``. Around the task's function:

- a *transient* database error ("database is locked" on SQLite, a connection the server
  closed on PostgreSQL) is retried by huey, with a growing delay (2, 4, 8 … s), up to
  ``retries`` times; the connection is closed after each attempt so the next one opens a new one;
- any other error fails the job at once (retrying a bug only repeats it), with its
  traceback in the worker's log;
- each attempt updates one ``JobRun`` row per task id: running, done, retrying or failed,
  with the attempt count and the last error (`recoup jobs`, the jobs page).

Tasks must be idempotent: a retried attempt starts over after the failed one rolled back its
transaction, and a job may run again after a worker crash.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DatabaseError, InterfaceError, close_old_connections
from huey.contrib.djhuey import db_periodic_task, db_task

from recoup.jobs import services

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_RETRIES = 6
DEFAULT_DELAY = 2.0  # seconds before the first retry; doubled for each one after
BACKOFF = 2.0

# What the drivers say when the database is busy or the connection is gone. Matched on the
# message because both drivers raise the same classes for permanent errors (a missing table).
_TRANSIENT_MESSAGES = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "server closed the connection",
    "connection already closed",
    "connection is closed",
    "the connection is lost",
    "terminating connection",
    "could not connect to server",
    "connection refused",
    "connection timed out",
    "ssl connection has been closed",
    "consuming input failed",
    "lost synchronization with server",
    "no connection to the server",
    "canceling statement due to conflict with recovery",
    "deadlock detected",
    "could not serialize access",
)


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed: the database was busy or the connection went away."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (DatabaseError, InterfaceError, sqlite3.Error, OSError, *_driver_errors())):
            message = str(current).lower()
            if isinstance(current, InterfaceError) or any(m in message for m in _TRANSIENT_MESSAGES):
                return True
        current = current.__cause__ or current.__context__
    return False


@functools.cache
def _driver_errors() -> tuple[type[BaseException], ...]:
    # psycopg is present whatever the database (a dependency), but imported only when asked.
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a declared dependency
        return ()
    return (psycopg.OperationalError, psycopg.InterfaceError)


def _describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)[:300]


def _short(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset) and len(value) > 5:
        return f"[{len(value)} items]"
    return repr(value)[:60]


def _durable(fn: F, configured_retries: int) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, task: Any = None, **kwargs: Any) -> Any:
        task_id = getattr(task, "id", None) or "inline"
        name = getattr(task, "name", None) or fn.__name__
        left = int(getattr(task, "retries", 0) or 0)
        attempt = configured_retries - left + 1
        services.record_attempt(task_id=task_id, task=name, attempt=attempt, arguments=_describe(args, kwargs))
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            # A broken connection must not be reused by the next attempt in this thread.
            close_old_connections()
            transient = is_transient(exc)
            will_retry = transient and left > 0
            if not transient and task is not None:
                task.retries = 0  # huey retries while this is positive: a bug is not retried
            if will_retry:
                log.warning("job %s (%s) attempt %d hit a transient error, will retry: %s", name, task_id, attempt, exc)
            else:
                log.exception("job %s (%s) failed after %d attempt(s)", name, task_id, attempt)
            services.record_failure(task_id=task_id, error=f"{type(exc).__name__}: {exc}", will_retry=will_retry)
            raise
        services.record_success(task_id=task_id)
        return result

    return run


def durable_task(*, retries: int = DEFAULT_RETRIES, retry_delay: float = DEFAULT_DELAY, **options: Any) -> Callable[[F], Any]:
    """A background task (huey ``db_task``) with retries on transient errors and a JobRun record."""

    def decorate(fn: F) -> Any:
        return db_task(retries=retries, retry_delay=retry_delay, retry_backoff=BACKOFF, context=True, **options)(
            _durable(fn, retries)
        )

    return decorate


def durable_periodic_task(
    schedule: Callable[..., bool], *, retries: int = DEFAULT_RETRIES, retry_delay: float = DEFAULT_DELAY, **options: Any
) -> Callable[[F], Any]:
    """A periodic task (huey ``db_periodic_task``, e.g. ``crontab(...)``) with the same guarantees."""

    def decorate(fn: F) -> Any:
        return db_periodic_task(
            schedule, retries=retries, retry_delay=retry_delay, retry_backoff=BACKOFF, context=True, **options
        )(_durable(fn, retries))

    return decorate
