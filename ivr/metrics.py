"""Operational metrics for Prometheus at /metrics, so that an unanswered team is seen the same day.

Counted: calls, transfer attempts by contact and outcome (answered, declined at screening,
busy, no-answer, failed), safety-net activations, refused signatures, texts by outcome, and
the time taken to answer each webhook. No label ever holds anything about a caller: contacts
are names from line.yaml, outcomes and webhooks come from fixed lists. Simulated calls (the
terminal call, the console) are not counted.

Every gunicorn worker counts: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before the app
is loaded, so prometheus_client writes each worker's values to files there, and /metrics
adds them up (its multiprocess mode). Without it (one process), the default registry serves.
"""
from __future__ import annotations

import functools
import os

from flask import Blueprint, Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST, multiprocess

from .access import council_only
from .context import SIMULATION

CALLS = Counter("ivr_calls", "Calls answered by the line")
TRANSFERS = Counter("ivr_transfers", "Transfer attempts, by contact (line.yaml) and how they ended",
                    ["contact", "outcome"])
SAFETY_NET = Counter("ivr_safety_net", "Times the safety net answered a call after an error")
REFUSED = Counter("ivr_signatures_refused", "Webhook requests refused for a missing or wrong Twilio signature")
TEXTS = Counter("ivr_texts", "Text messages asked for, by outcome", ["outcome"])
LATENCY = Histogram("ivr_request_seconds", "Time to answer a Twilio webhook", ["webhook"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

# 1 for each language of line.yaml withheld from callers because it is not ready (ivr/checks.py):
# its English changed, or a translation or recording is missing. Set once, at start.
WITHHELD = Gauge("ivr_language_withheld", "Languages of line.yaml withheld from callers until they are ready",
                 ["language"], multiprocess_mode="max")

bp = Blueprint("metrics", __name__)
bp.before_request(council_only)


def withheld(languages) -> None:
    for code in languages:
        WITHHELD.labels(code).set(1)


def counted() -> bool:
    return not SIMULATION.get()


def observe(kind: str, detail: str) -> None:
    """A call event (the same ones the usage figures keep) as metrics."""
    if not counted():
        return
    if kind == "call":
        CALLS.inc()
    elif kind == "transfer_outcome":
        transfer_count(detail).inc()
    elif kind == "text":
        TEXTS.labels(detail).inc()


@functools.lru_cache(maxsize=256)   # contacts (line.yaml) times outcomes (a fixed list): a few dozen
def transfer_count(detail: str):
    """The counter of one "contact:outcome", looked up once (prometheus_client's labels() is not free)."""
    contact, _, outcome = detail.partition(":")
    return TRANSFERS.labels(contact, outcome)


def registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


@bp.get("/metrics")
def metrics():
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
