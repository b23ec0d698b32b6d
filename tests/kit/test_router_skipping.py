"""Routers passed over by their path test (yardstick.kit.routing): the test never changes which
route FastAPI picks, and every router of the app has one."""

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import Match, compile_path

from yardstick.config import Settings
from yardstick.kit.routing import _PathTestedRouter, any_of
from yardstick.main import create_app

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


def test_any_of_matches_a_path_exactly_when_one_of_its_patterns_does() -> None:
    patterns = [
        _pattern(path)
        for path in ("/v5/spans", "/v5/spans/{span_id}", "/files/{file_id}/content", "/s/{p:path}")
    ]
    combined = any_of(patterns)
    for path in (
        "/v5/spans",
        "/v5/spans/abc",
        "/v5/spans/abc/more",
        "/v5/spansx",
        "/v5/span",
        "/files/f1/content",
        "/files/f1/contents",
        "/files//content",
        "/s/a/b/c",
        "/s",
        "/",
        "",
    ):
        expected = any(pattern.match(path) for pattern in patterns)
        assert (combined.match(path) is not None) == expected, path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data = Path(tmp_path_factory.mktemp("routing"))
    return create_app(Settings(database_url=f"sqlite:///{data}/app.db", data_dir=data))


def _concrete(path: str) -> str:
    """A request path for a route's path: each parameter filled in."""
    return re.sub(r"\{[^}]+\}", "p1", path)


def _scope(app: FastAPI, method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "app": app}


def test_every_included_router_has_its_path_test(app: FastAPI) -> None:
    routers = [route for route in app.router.routes if isinstance(route, _IncludedRouter)]
    assert len(routers) > 30
    assert all(type(router) is _PathTestedRouter for router in routers)


def test_a_router_passed_over_would_have_matched_nothing(app: FastAPI) -> None:
    routers = [route for route in app.router.routes if isinstance(route, _PathTestedRouter)]
    paths = {
        _concrete(getattr(context.starlette_route, "path", None) or context.path)
        for router in routers
        for context in router.effective_route_contexts()
    }
    paths |= {"/", "/v5", "/v5/nothing", "/v5/spans/p1/p2", "/static/app.css", "/nowhere/p1"}
    checked = passed_over = 0
    for path in sorted(paths):
        for method in METHODS:
            for router in routers:
                scope = _scope(app, method, path)
                tested = router.matches(scope)[0]
                walked = _IncludedRouter.matches(router, _scope(app, method, path))[0]
                assert tested == walked, (method, path, router.paths.pattern[:80])
                checked += 1
                passed_over += router.paths.match(path) is None
    # Most (router, request) pairs are decided by the path test alone.
    assert passed_over > 0.9 * checked
    assert any(
        router.matches(_scope(app, "PUT", "/v5/spans/batch"))[0] is Match.FULL for router in routers
    )
