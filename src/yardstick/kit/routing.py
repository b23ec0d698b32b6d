"""Routing a request without walking every route of the app.

FastAPI (since 0.137) keeps each `include_router` as a node of a tree, and matching a request
asks every included router in turn to walk all of its routes, setting and restoring scope keys
around each one. The app includes ~35 routers with ~140 routes between them, so a request to a
late route paid ~200 µs of routing before its endpoint ran (measured: `PUT /v5/spans/batch`
238 µs, `GET /v5/datasets/{id}/items` 228 µs), a tenth of a page's server time.

`skip_unreachable_routers` gives each included router of the app one regular expression: the
alternation of its routes' own path patterns. A request whose path matches none of them cannot
match any route of that router (whatever its method), so the router is passed over without
being walked; a router whose pattern matches is walked by FastAPI exactly as before, and so
decides the match, the 405 and the route's parameters. (FastAPI's pull request #16159 tests
only `include_router`'s own `prefix`; the routers here carry their prefix themselves, so that
test would pass over none of them.)
"""

import re
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

# Starlette names a path parameter's group; in an alternation the names would clash.
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass
class _PathTestedRouter(_IncludedRouter):
    """An included router that is walked only for a path one of its routes can match."""

    paths: re.Pattern[str] = field(default=re.compile(""), compare=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and self.paths.match(get_route_path(scope)) is None:
            return Match.NONE, {}
        return super().matches(scope)


def any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern matching a path exactly when one of `patterns` (each `^…$`) does."""
    bodies = [
        _NAMED_GROUP.sub("(?:", pattern.pattern.removeprefix("^").removesuffix("$"))
        for pattern in patterns
    ]
    return re.compile("^(?:" + "|".join(bodies) + ")$")


def _patterns(router: _IncludedRouter) -> list[re.Pattern[str]] | None:
    """The path patterns of every route the router holds, or None if one has none."""
    patterns = []
    for context in router.effective_route_contexts():
        route = context.starlette_route if context.starlette_route is not None else context
        pattern = getattr(route, "path_regex", None)
        if not isinstance(pattern, re.Pattern):
            return None
        patterns.append(pattern)
    return patterns


def skip_unreachable_routers(app: FastAPI) -> None:
    """Give each router the app includes its path test; call once every router is included
    (a route added to a router later would be unreachable). A router with a route of no path
    pattern (a host, say) is left as it is."""
    routes = app.router.routes
    for index, route in enumerate(routes):
        if type(route) is not _IncludedRouter:
            continue
        patterns = _patterns(route)
        if not patterns:
            continue
        routes[index] = _PathTestedRouter(
            original_router=route.original_router,
            include_context=route.include_context,
            paths=any_of(patterns),
        )
