"""Settings and errors for the commands that talk to a running server over HTTP.

Such a command is an API client like any other: it needs the server's URL, an API key and the
account it selects (`--url`/`YARDSTICK_URL`, `--api-key`/`YARDSTICK_API_KEY`,
`--account-id`/`YARDSTICK_ACCOUNT_ID`), and it never opens the database, so it works from any
machine that can reach the server.
"""

from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import typer

DEFAULT_URL = "http://127.0.0.1:8000"

UrlOption = Annotated[
    str, typer.Option("--url", envvar="YARDSTICK_URL", help="The server's base URL")
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="YARDSTICK_API_KEY", help="An API key", show_default=False),
]
AccountIdOption = Annotated[
    str | None,
    typer.Option("--account-id", envvar="YARDSTICK_ACCOUNT_ID", help="The key's account"),
]


class RemoteError(Exception):
    """A failure to tell the user in one line (the command exits 1)."""


class Unavailable(RemoteError):
    """The server did not answer, or failed (5xx): asking again later may work."""


@dataclass(frozen=True)
class Remote:
    url: str
    api_key: str
    account_id: str

    def client(self, *, read_timeout: float | None = 60.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url.rstrip("/"),
            headers={"x-api-key": self.api_key, "x-selected-account-id": self.account_id},
            timeout=httpx.Timeout(30.0, read=read_timeout),
        )


def remote(url: str, api_key: str | None, account_id: str | None) -> Remote:
    if not api_key:
        raise RemoteError("no API key: set YARDSTICK_API_KEY or pass --api-key")
    if not account_id:
        raise RemoteError("no account: set YARDSTICK_ACCOUNT_ID or pass --account-id")
    return Remote(url, api_key, account_id)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:500]
    return detail if isinstance(detail, str) else str(detail)


def explain(response: httpx.Response, remote: Remote, *, what: str) -> RemoteError:
    """A refused request, said plainly; `what` names the thing asked for ("evaluation X")."""
    status = response.status_code
    if status == 401:
        return RemoteError(f"{remote.url} refused the API key (401): {_detail(response)}")
    if status == 403:
        return RemoteError(
            f"the API key is not valid for account {remote.account_id!r} (403): {_detail(response)}"
        )
    if status == 404:
        return RemoteError(f"no {what} in account {remote.account_id!r} at {remote.url} (404)")
    return RemoteError(f"{remote.url} answered {status}: {_detail(response)}")


def get_json(
    client: httpx.Client,
    remote: Remote,
    path: str,
    *,
    what: str,
    params: dict[str, str] | None = None,
) -> Any:
    """The JSON body of `GET path`; a refusal is a RemoteError, an outage Unavailable."""
    try:
        response = client.get(path, params=params)
    except httpx.TransportError as exc:
        raise Unavailable(f"{remote.url} did not answer: {exc!r}") from exc
    if response.status_code >= 500:
        raise Unavailable(str(explain(response, remote, what=what)))
    if response.status_code != 200:
        raise explain(response, remote, what=what)
    try:
        return response.json()
    except ValueError as exc:
        raise RemoteError(f"{remote.url} answered {path} with something other than JSON") from exc
