"""`routing`: how long the app takes to find a request's route, in process, for every route.

For each route of the app (its path with each parameter filled in, its first method by name), the
dispatch FastAPI does before an endpoint runs is timed, REPEAT times: the app's routes asked in
order until one matches, then the matching included router's own walk (FastAPI walks it twice:
once to answer `matches`, once to pick the route). Three ways:

- FastAPI's own walk: every included router before the match walks all its routes;
- with the app's path tests (yardstick.kit.routing): a router whose routes cannot match the
  path is passed over on one regular expression;
- the limit: the route's own path pattern matched once, what a router that went straight to
  the route would still pay.

Printed: mean, p50 and worst over the routes, in µs a request.
"""

import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import BaseRoute, Match

from bench.backend import Backend
from bench.registry import benchmark
from bench.report import percentile, table
from yardstick.config import Settings
from yardstick.main import create_app

REPEAT = 300
Scope = dict[str, Any]


def _scope(app: FastAPI, method: str, path: str) -> Scope:
    return {"type": "http", "method": method, "path": path, "app": app}


def _dispatch(app: FastAPI, scope: Scope, walk: Callable[[BaseRoute, Scope], Match]) -> None:
    for route in app.router.routes:
        if walk(route, scope) is Match.FULL:
            if isinstance(route, _IncludedRouter):
                route._match(scope)  # the second walk, when it handles the request
            return
    raise RuntimeError(f"no route for {scope['method']} {scope['path']}")


def _fastapi_walk(route: BaseRoute, scope: Scope) -> Match:
    if isinstance(route, _IncludedRouter):
        return _IncludedRouter.matches(route, scope)[0]  # past the path test
    return route.matches(scope)[0]


def _path_tested(route: BaseRoute, scope: Scope) -> Match:
    return route.matches(scope)[0]


def _requests(app: FastAPI) -> list[tuple[str, str, re.Pattern[str]]]:
    """(method, path, the route's own pattern) for every API and page route of the app."""
    out = []
    for route in app.router.routes:
        if not isinstance(route, _IncludedRouter):
            continue
        for context in route.effective_route_contexts():
            if context.starlette_route is not None or not context.methods:
                continue  # a mount: any path under it
            path = re.sub(r"\{[^}]+\}", "p1", context.path)
            out.append((min(context.methods), path, context.path_regex))
    return out


def _time(fn: Callable[[], object]) -> float:
    """µs a call, best of three rounds of REPEAT."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(REPEAT):
            fn()
        best = min(best, (time.perf_counter() - start) / REPEAT * 1e6)
    return best


@benchmark("routing")
def run(backend: Backend) -> None:
    with tempfile.TemporaryDirectory() as data:
        app = create_app(
            Settings(database_url=f"sqlite:///{Path(data)}/app.db", data_dir=Path(data))
        )
        requests = _requests(app)
        walked, tested, floor = [], [], []
        for method, path, pattern in requests:
            scope = _scope(app, method, path)
            walked.append(_time(lambda s=scope: _dispatch(app, s, _fastapi_walk)))
            tested.append(_time(lambda s=scope: _dispatch(app, s, _path_tested)))
            floor.append(_time(lambda p=path, r=pattern: r.match(p)))
    print(f"{len(requests)} routes, each dispatched {REPEAT} times (best of 3), in process")

    def row(name: str, values: list[float]) -> list[str]:
        return [
            name,
            f"{statistics.fmean(values):.1f}",
            f"{percentile(values, 50):.1f}",
            f"{max(values):.1f}",
        ]

    print(
        table(
            ["dispatch, µs a request", "mean", "p50", "worst"],
            [
                row("FastAPI's walk", walked),
                row("with the path tests", tested),
                row("limit: the route's own pattern", floor),
            ],
        )
    )
