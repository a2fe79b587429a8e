"""Prometheus metrics: request count and latency per route template, served at ``/metrics``.

The metric names and labels are those of prometheus-fastapi-instrumentator
(``http_requests_total{handler,method,status}``, ``http_request_duration_seconds``), so
dashboards built for it work. It is not used itself: its 7.x route lookup fails on FastAPI
>= 0.137 (``_IncludedRouter`` has no ``path``; trallnag/prometheus-fastapi-instrumentator#370),
and the fixed 8.x needs Starlette 1.x. The route template comes from ``scope["route"]``, which
FastAPI sets when it routes a request; unmatched paths are labelled ``none`` (no label
explosion from scanners).
"""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metrics in their own registry (one per app, so tests do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status class.",
            ["handler", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Latency of HTTP requests until the response body is sent.",
            ["handler", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Count and time every HTTP request (except ``/metrics`` itself)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            handler = getattr(route, "path", None) or "none"
            method = scope.get("method", "")
            self.metrics.requests.labels(handler, method, f"{status // 100}xx").inc()
            self.metrics.latency.labels(handler, method).observe(time.perf_counter() - started)
