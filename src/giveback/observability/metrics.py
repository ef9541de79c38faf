"""Prometheus metrics: what the server processes count, and what the database says about the background work.

Requests are counted per method, route (its template, e.g. ``/trips/{trip_id:int}``, never the filled-in path,
which may hold a secret token) and status, with their latencies. ``giveback serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before it starts its processes, so that every process writes
its counts there and one scrape of ``/metrics`` (answered by any process) adds them all up.

The background work is read from the database at scrape time, so it is the same whichever process answers and
however many workers there are: solver runs by state, the mail outbox by state with the age of the oldest
message not yet sent, and the calendar imports whose last fetch failed.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from piccolo.query.functions.aggregate import Count
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from giveback import __version__
from giveback.calendars.tables import CalendarImport
from giveback.mail.tables import OutboxMessage
from giveback.rounds.tables import SolverRun

REQUEST_ID_HEADER = "x-request-id"
# A request id a proxy in front already gave (Caddy's, nginx's $request_id) is kept when it is this harmless.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RUN_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "superseded")
UNSENT_STATES = ("pending", "sending")

REQUESTS = Counter(
    "giveback_http_requests", "HTTP requests answered, by method, route and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "giveback_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)


class ObservedRequests(ASGIMiddleware):
    """Give every HTTP request an id (bound to its log lines and sent back as ``X-Request-ID``) and count it."""

    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 500
        header = (REQUEST_ID_HEADER.encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await next_app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            self._count(str(scope.get("method", "GET")), scope.get("path_template") or "unrouted", status, started)

    def _count(self, method: str, route: str, status: int, started: float) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = REQUESTS.labels(method, route, str(status))
        timer = self._timers.get((method, route))
        if timer is None:
            timer = self._timers[(method, route)] = LATENCY.labels(method, route)
        counter.inc()
        timer.observe(time.perf_counter() - started)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _GIVEN_ID.fullmatch(given):
                return given
            break
    return secrets.token_hex(8)


class _Gauges(Collector):
    """Gauges already measured, handed to a registry of their own for one exposition."""

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


async def _counts_by(column: Any, states: Iterable[str]) -> dict[str, int]:
    table = column._meta.table
    rows = await table.select(column, Count(table._meta.primary_key, alias="n")).group_by(column)
    counts = dict.fromkeys(states, 0)
    counts.update({row[column._meta.name]: int(row["n"]) for row in rows})
    return counts


async def background_gauges(now: datetime | None = None) -> list[Metric]:
    """What the database says about the background work, right now."""
    moment = now or datetime.now(UTC)
    runs = GaugeMetricFamily("giveback_solver_runs", "Solver runs by state", labels=["state"])
    for state, count in (await _counts_by(SolverRun.status, RUN_STATES)).items():
        runs.add_metric([state], count)
    outbox = GaugeMetricFamily("giveback_outbox_messages", "Messages in the mail outbox by state", labels=["state"])
    for state, count in (await _counts_by(OutboxMessage.status, OUTBOX_STATES)).items():
        outbox.add_metric([state], count)
    oldest = (
        await OutboxMessage.select(OutboxMessage.created_at)
        .where(OutboxMessage.status.is_in(list(UNSENT_STATES)))
        .order_by(OutboxMessage.created_at)
        .first()
    )
    age = 0.0
    if oldest is not None:
        created: datetime = oldest["created_at"]
        age = max((moment - (created if created.tzinfo else created.replace(tzinfo=UTC))).total_seconds(), 0.0)
    oldest_unsent = GaugeMetricFamily(
        "giveback_outbox_oldest_unsent_age_seconds", "Age of the oldest message not sent yet (0 when none waits)"
    )
    oldest_unsent.add_metric([], age)
    failing = GaugeMetricFamily(
        "giveback_calendar_imports_failing", "Imported calendars whose last fetch failed (the volunteer sees why)"
    )
    failing.add_metric([], await CalendarImport.count().where(CalendarImport.error != ""))
    imports = GaugeMetricFamily("giveback_calendar_imports", "Imported calendars")
    imports.add_metric([], await CalendarImport.count())
    info = GaugeMetricFamily("giveback_build_info", "The running version", labels=["version"])
    info.add_metric([__version__], 1)
    return [runs, outbox, oldest_unsent, failing, imports, info]


async def exposition() -> bytes:
    """Every metric in Prometheus' text format: the processes' counts, then the database's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        counted = generate_latest(processes)
    else:
        counted = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(_Gauges(await background_gauges()))
    return counted + generate_latest(database)
