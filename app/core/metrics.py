"""Prometheus metrics (``GET /metrics``, text format; docs/operations.md "Metrics").

What is exported, and where each figure comes from:

- ``dueprocess_request_duration_seconds{method,route,status}`` — a histogram observed by the request middleware.
  ``route`` is the route *template* (``/api/v1/clients/{client_id}``), never the raw path: raw paths carry ids,
  and one series per id would grow without bound (and put identifiers in the monitoring system).
- ``dueprocess_sweep_last_run_timestamp_seconds{sweep}`` — set by ``sweep_ran(name)`` where a sweep finishes.
- gauges read when scraped, from functions registered with ``register_gauge``: e.g. the job queue depth, which
  the job engine registers with ``register_gauge("dueprocess_job_queue_depth", ..., ("queue",), fn)``. The
  application adds the render pool, the admission line and the database pool (app/monitoring.py).

Several worker processes (``dueprocess serve --workers N``): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory writable by every worker, as prometheus_client's multiprocess mode requires; each process then writes
its samples to files there and any worker answering a scrape sums them. Without it, each worker reports only
its own requests. Scrape-time gauges are read in the answering process: the database-backed ones (queue depth,
alerts) are the same whichever worker answers; the render pool and admission line are that worker's own
(labelled with ``pid``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[str, ...]
Reader = Callable[[], Mapping[Labels, float]]

REQUEST_DURATION = Histogram(
    "dueprocess_request_duration_seconds", "Time to answer a request, by route template",
    ("method", "route", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SWEEP_LAST_RUN = Gauge(
    "dueprocess_sweep_last_run_timestamp_seconds", "When each sweep last finished (Unix time)", ("sweep",),
    multiprocess_mode="max",
)


@dataclass(frozen=True)
class GaugeSource:
    """A metric computed when scraped; ``counter=True`` for a total that only grows (exported as a counter)."""

    name: str
    documentation: str
    labels: Labels
    read: Reader
    counter: bool = False


_SOURCES: dict[str, GaugeSource] = {}


def register_gauge(name: str, documentation: str, labels: Sequence[str], read: Reader) -> None:
    """A gauge computed when scraped: ``read()`` returns ``{label values: value}``. Registering a name again
    replaces the earlier function (a re-created application replaces its own)."""
    _SOURCES[name] = GaugeSource(name, documentation, tuple(labels), read)


def register_counter(name: str, documentation: str, labels: Sequence[str], read: Reader) -> None:
    """``register_gauge`` for a total that only grows (exported as a counter; ``name`` ends in ``_total``)."""
    _SOURCES[name] = GaugeSource(name, documentation, tuple(labels), read, counter=True)


def unregister(name: str) -> None:
    """Remove a gauge or counter registered with ``register_gauge`` or ``register_counter``."""
    _SOURCES.pop(name, None)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_DURATION.labels(method, route, str(status)).observe(seconds)


def sweep_ran(sweep: str, at: float | None = None) -> None:
    """Called where a sweep finishes (alerts, deadlines, ...): the gauge a "sweep has not run" alert watches."""
    SWEEP_LAST_RUN.labels(sweep).set(time.time() if at is None else at)


def families(sources: Iterable[GaugeSource]) -> list[GaugeMetricFamily | CounterMetricFamily]:
    out: list[GaugeMetricFamily | CounterMetricFamily] = []
    for src in sources:
        fam: GaugeMetricFamily | CounterMetricFamily
        if src.counter:
            fam = CounterMetricFamily(src.name.removesuffix("_total"), src.documentation, labels=list(src.labels))
        else:
            fam = GaugeMetricFamily(src.name, src.documentation, labels=list(src.labels))
        try:
            values = src.read()
        except Exception:  # noqa: BLE001 - one broken source must not hide every other metric
            values = {}
        for labels, value in values.items():
            fam.add_metric(list(labels), float(value))
        out.append(fam)
    return out


class _Sources(Collector):
    def __init__(self, extra: Iterable[GaugeSource]) -> None:
        self.extra = list(extra)

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        return families([*_SOURCES.values(), *self.extra])


def render(extra: Iterable[GaugeSource] = ()) -> bytes:
    """The exposition text: this process's (or, in multiprocess mode, every worker's) samples plus the gauges
    read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_Sources(extra))
        return generate_latest(registry)
    registry.register(_Sources(extra))
    return generate_latest(REGISTRY) + generate_latest(registry)
