"""An in-memory PxWeb v1 server for the StatFin client tests (no network).

:class:`FakePxWeb` answers ``?config``, table metadata GETs and json-stat2 POSTs from
:class:`FakeTable` cubes, logging every request with the fake clock's time;
:class:`Flaky` wraps it and fails a seeded fraction of calls with 429 (``Retry-After`` in
seconds or as an HTTP date), 503 or a read timeout.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import httpx
import numpy as np

BASE = "https://px.test/PxWeb/api/v1"
CONTENTS = "contentscode"
SYMBOLS = (".", "..", "...", "....", ".....", "......", "-")


class FakeClock:
    """A monotonic clock whose ``sleep`` advances time instantly."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeTable:
    """A full cube behind one table: metadata variables, values and per-cell symbols.

    ``values`` has one axis per variable (metadata order). ``symbols`` holds a PxWeb symbol
    or ``""`` per cell; a symbol other than ``-`` is served as ``null`` with that status,
    ``-`` as ``null`` with status ``-`` (a real zero).
    """

    variables: list[dict[str, Any]]
    values: np.ndarray
    symbols: np.ndarray
    title: str = "fake table"

    def metadata(self) -> dict[str, Any]:
        return {"title": self.title, "variables": self.variables}

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``(status, json-stat2 document)`` for a POST body (items only)."""
        asked = {q["code"]: q["selection"]["values"] for q in body["query"]}
        index, kept = [], []
        for var in self.variables:
            if var["code"] in asked:
                pos = {v: i for i, v in enumerate(var["values"])}
                if any(v not in pos for v in asked[var["code"]]):
                    return 400, {"error": "unknown value"}
                chosen = sorted(pos[v] for v in asked[var["code"]])
                index.append(chosen)
                kept.append((var, chosen))
            elif var.get("elimination"):
                index.append([0])
            else:
                return 400, {"error": f"{var['code']} needs a selection"}
        grid = np.ix_(*index)
        sub, syms = self.values[grid].ravel(), self.symbols[grid].ravel()
        return 200, self._jsonstat(kept, sub, syms)

    def _jsonstat(
        self, kept: list[tuple[dict[str, Any], list[int]]], sub: np.ndarray, syms: np.ndarray
    ) -> dict[str, Any]:
        dims: dict[str, Any] = {}
        for var, chosen in kept:
            codes = [var["values"][i] for i in chosen]
            texts = [var.get("valueTexts", var["values"])[i] for i in chosen]
            dims[var["code"]] = {
                "label": var["text"],
                "category": {
                    "index": {c: i for i, c in enumerate(codes)},
                    "label": dict(zip(codes, texts, strict=True)),
                },
            }
        values = [None if s else float(v) for v, s in zip(sub, syms, strict=True)]
        status = {str(i): str(s) for i, s in enumerate(syms) if s}
        times = [v["code"] for v, _ in kept if v.get("time")]
        return {
            "version": "2.0",
            "class": "dataset",
            "label": self.title,
            "source": "fake",
            "updated": "2026-06-08T06:00:00Z",
            "id": [v["code"] for v, _ in kept],
            "size": [len(c) for _, c in kept],
            "dimension": dims,
            "value": values,
            "status": status,
            "role": {"time": times, "metric": [CONTENTS]},
            "extension": {"px": {"tableid": self.title}},
        }


def make_table(
    shape: dict[str, list[str]],
    rng: np.random.Generator,
    *,
    p_symbol: float = 0.1,
    time_var: str | None = None,
    title: str = "fake",
) -> FakeTable:
    """A random table with variables ``shape`` (code -> values); the last is the content."""
    variables = []
    codes = list(shape)
    for code in codes:
        variables.append(
            {
                "code": code,
                "text": code.upper(),
                "values": list(shape[code]),
                "valueTexts": [f"label {v}" for v in shape[code]],
                "elimination": code != codes[-1],
                "time": code == time_var,
            }
        )
    dims = tuple(len(v) for v in shape.values())
    values = rng.integers(0, 5000, size=dims).astype(float)
    symbols = np.where(rng.random(dims) < p_symbol, rng.choice(SYMBOLS, size=dims), "")
    values[symbols == "-"] = 0.0
    return FakeTable(variables, values, symbols.astype(object), title=title)


@dataclass
class FakePxWeb:
    """The server: ``tables`` keyed by ``"db/table.px"``."""

    tables: dict[str, FakeTable]
    clock: FakeClock
    config: dict[str, Any] | None = field(
        default_factory=lambda: {
            "maxValues": 120000,
            "maxCells": 120000,
            "maxCalls": 40,
            "timeWindow": 60,
            "CORS": True,
        }
    )
    latency: float = 0.01
    log: list[tuple[float, str, str, int]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.clock.now += self.latency
        path = request.url.path
        prefix = "/PxWeb/api/v1/fi/"
        if path == prefix and "config" in request.url.params:
            self.log.append((self.clock.now, "GET", "?config", 0))
            if self.config is None:
                return httpx.Response(404, text="Not Found")
            return httpx.Response(200, json=self.config)
        table = self.tables.get(path.removeprefix(prefix + "StatFin/"))
        if table is None:
            self.log.append((self.clock.now, request.method, path, 0))
            return httpx.Response(404, text="Not Found")
        if request.method == "GET":
            self.log.append((self.clock.now, "GET", path, 0))
            return httpx.Response(200, json=table.metadata())
        status, doc = table.answer(json.loads(request.content))
        cells = math.prod(doc.get("size", [0])) if status == 200 else 0
        self.log.append((self.clock.now, "POST", path, cells))
        return httpx.Response(status, json=doc)

    def posts(self) -> list[tuple[float, str, str, int]]:
        return [entry for entry in self.log if entry[1] == "POST"]


class Flaky:
    """Fail a seeded fraction ``p`` of calls: 429 (Retry-After s or date), 503, timeout."""

    def __init__(self, inner: FakePxWeb, seed: int, p: float = 0.3, wall_start: float = 1.8e9):
        self.inner, self.rng, self.p = inner, random.Random(seed), p
        self.wall_start = wall_start
        self.failures: dict[str, int] = {"429s": 0, "429date": 0, "503": 0, "timeout": 0}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.rng.random() >= self.p:
            return self.inner(request)
        kind = self.rng.choice(sorted(self.failures))
        self.failures[kind] += 1
        if kind == "timeout":
            raise httpx.ReadTimeout("fake read timeout", request=request)
        if kind == "503":
            return httpx.Response(503, text="Service Unavailable")
        wait = self.rng.randint(1, 4)
        if kind == "429s":
            return httpx.Response(429, headers={"Retry-After": str(wait)})
        now = self.wall_start + self.inner.clock.now
        headers = {
            "Retry-After": formatdate(now + wait, usegmt=True),
            "Date": formatdate(now, usegmt=True),
        }
        return httpx.Response(429, headers=headers)
