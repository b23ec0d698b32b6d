"""The parts of SGP's v5 API that Yardstick does not serve, answered plainly.

Agent configurations, Agentex builds and deployments, and vector stores are infrastructure for
hosting agents and retrieval, not evaluation. Their routes answer 501 with `x-should-retry:
false` (the official client retries every 5xx otherwise), after the usual authentication. So
does a single route of a resource Yardstick does serve, where it needs what Yardstick does not
have (an object store, for importing files from cloud storage).
"""

from collections.abc import Mapping

from fastapi import APIRouter

from yardstick.auth.dependencies import PrincipalDep
from yardstick.errors import AppError

PREFIXES = {
    "agent_configs": "agent configurations",
    "agentex": "Agentex deployments",
    "builds": "Agentex builds",
    "vector-stores": "vector stores",
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# (method, path under /v5) → why it is not served.
ROUTES = {
    ("POST", "/files/cloud_imports"): (
        "imports of files from cloud storage are not supported by Yardstick (it has no object "
        "store); upload the file's bytes with POST /v5/files"
    ),
}

router = APIRouter(prefix="/v5", tags=["not supported"])


class NotSupported(AppError):
    status_code = 501
    headers: Mapping[str, str] = {"x-should-retry": "false"}


def _route(prefix: str, what: str) -> None:
    async def not_supported(_: PrincipalDep) -> None:
        raise NotSupported(f"{what} are not supported by Yardstick")

    for path in (f"/{prefix}", f"/{prefix}/{{rest:path}}"):
        router.add_api_route(
            path,
            not_supported,
            methods=METHODS,
            include_in_schema=False,
            name=f"unsupported_{prefix}_{len(path)}",
        )


for _prefix, _what in PREFIXES.items():
    _route(_prefix, _what)


def _single(method: str, path: str, reason: str) -> None:
    async def not_supported(_: PrincipalDep) -> None:
        raise NotSupported(reason)

    # The resource's own routes match the path for other methods (`/files/{file_id}`); an
    # exact route for this method is chosen over them, so the answer is this 501, not a 405.
    router.add_api_route(
        path,
        not_supported,
        methods=[method],
        include_in_schema=False,
        name=f"unsupported_{method.lower()}_{path.strip('/').replace('/', '_')}",
    )


for (_method, _path), _reason in ROUTES.items():
    _single(_method, _path, _reason)
