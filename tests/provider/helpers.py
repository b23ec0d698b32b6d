"""Building a `Providers` in the test process against the fake model server."""

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import free_port
from yardstick.config import Settings
from yardstick.provider import Providers

T = TypeVar("T")
KEY = "sk-fake-key"
HELLO = {"messages": [{"role": "user", "content": "hello there"}]}


def settings(**overrides: Any) -> Settings:
    """Settings that ignore the developer's own OPENAI_*/ANTHROPIC_* variables."""
    values: dict[str, Any] = {
        "openai_api_key": None,
        "openai_base_url": None,
        "anthropic_api_key": None,
        "providers_file": None,
        **overrides,
    }
    return Settings(**values)


def fake_providers(fake: FakeModels, **overrides: Any) -> Providers:
    """`openai` pointed at the fake model server."""
    return Providers(settings(openai_base_url=fake.base_url, openai_api_key=KEY, **overrides))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def serving(
    method: str,
    path: str,
    handler: Handler,
    work: Callable[[Providers], Awaitable[T]],
    vendor_fields: str = "",
) -> T:
    """`work` against an `openai` vendor of our own, on its own event loop, that answers
    `method path` (under `/v1`) with `handler`: for answers the fake model server never gives.
    `vendor_fields`: lines of its providers-file table (`max_attempts = 1`)."""

    async def main() -> T:
        app = web.Application()
        app.router.add_route(method, f"/v1{path}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        with tempfile.TemporaryDirectory() as tmp:
            toml = f'[vendors.openai]\nbase_url = "http://127.0.0.1:{port}/v1"\n{vendor_fields}\n'
            file = write_toml(Path(tmp) / "providers.toml", toml)
            providers = Providers(settings(providers_file=file))
        try:
            return await work(providers)
        finally:
            await providers.aclose()
            await runner.cleanup()

    return asyncio.run(main())


def run(providers: Providers, work: Callable[[Providers], Awaitable[T]]) -> T:
    """Run `work` on a fresh event loop, closing the providers' sessions on it after."""

    async def main() -> T:
        try:
            return await work(providers)
        finally:
            await providers.aclose()

    return asyncio.run(main())


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
