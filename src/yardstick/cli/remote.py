"""Settings and errors for the commands that talk to a running server over HTTP.

Such a command is an API client like any other: it needs the server's URL, an API key and the
account it selects (`--url`/`YARDSTICK_URL`, `--api-key`/`YARDSTICK_API_KEY`,
`--account`/`YARDSTICK_ACCOUNT_ID`), and it never opens the database, so it works from any
machine that can reach the server. Every failure is one line on stderr and exit status 1.
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
    typer.Option(
        "--account",
        "--account-id",
        envvar="YARDSTICK_ACCOUNT_ID",
        help="The account the key selects",
        show_default=False,
    ),
]


class RemoteError(Exception):
    """A failure to tell the user in one line (the command exits 1).

    `status` and `detail` are the server's answer, when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


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
    """The server the options name, checked before any request: a mistyped URL or a value no
    header can carry is said here, in one line, not as the HTTP library's traceback."""
    if not api_key:
        raise RemoteError("no API key: set YARDSTICK_API_KEY or pass --api-key")
    if not account_id:
        raise RemoteError("no account: set YARDSTICK_ACCOUNT_ID or pass --account")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise RemoteError(f"--url {url!r} is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RemoteError(f"--url {url!r} is not an http:// or https:// URL with a host")
    for option, value in (("--api-key", api_key), ("--account", account_id)):
        if not value.isascii() or not value.isprintable() or value != value.strip():
            raise RemoteError(
                f"{option}: only printable ASCII without surrounding spaces can be sent in a header"
            )
    return Remote(url, api_key, account_id)


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe(detail: Any) -> str:
    """A `detail` in one line; a validation error's list as `field.path: message; …`."""
    if isinstance(detail, list):
        parts = []
        for error in detail:
            if isinstance(error, dict) and "msg" in error:
                loc = ".".join(str(part) for part in error.get("loc") or [])
                parts.append(f"{loc}: {error['msg']}" if loc else str(error["msg"]))
            else:
                parts.append(str(error))
        return one_line("; ".join(parts))
    return one_line(detail if isinstance(detail, str) else str(detail))


def _detail(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    return body.get("detail", body) if isinstance(body, dict) else body


def explain(response: httpx.Response, remote: Remote, *, what: str) -> RemoteError:
    """A refused request, said plainly; `what` names the thing asked for ("evaluation X")."""
    status = response.status_code
    detail = _detail(response)
    text = describe(detail)
    if status == 401:
        message = f"{remote.url} refused the API key (401): {text}"
    elif status == 403:
        message = f"the API key is not valid for account {remote.account_id!r} (403): {text}"
    elif status == 404:
        message = f"no {what} in account {remote.account_id!r} at {remote.url} (404)"
    else:
        message = f"{remote.url} answered {status}: {text}"
    error = Unavailable if status >= 500 else RemoteError
    return error(message, status=status, detail=detail)


def no_answer(remote: Remote, exc: httpx.TransportError) -> Unavailable:
    """The server could not be reached, or the connection broke: said in one line."""
    reason = one_line(str(exc)) or type(exc).__name__
    return Unavailable(f"{remote.url} did not answer ({type(exc).__name__}: {reason})")


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
        raise no_answer(remote, exc) from exc
    return _json(response, remote, path, what=what)


def send_json(
    client: httpx.Client,
    remote: Remote,
    method: str,
    path: str,
    body: bytes,
    *,
    what: str,
    answer: bool = True,
) -> Any:
    """The JSON answer to `method path` with a JSON `body` (already encoded), or None when the
    caller needs no `answer` (it is not parsed); failures as in get_json."""
    headers = {"content-type": "application/json"}
    try:
        response = client.request(method, path, content=body, headers=headers)
    except httpx.TransportError as exc:
        raise no_answer(remote, exc) from exc
    if response.is_success and not answer:
        return None
    return _json(response, remote, path, what=what)


def _json(response: httpx.Response, remote: Remote, path: str, *, what: str) -> Any:
    if not response.is_success:
        raise explain(response, remote, what=what)
    try:
        return response.json()
    except ValueError as exc:
        raise RemoteError(f"{remote.url} answered {path} with something other than JSON") from exc


def unexpected(remote: Remote, found: str, *, expected: str) -> RemoteError:
    """An answer that parsed as JSON but is not of the shape asked for (a field missing, a list
    for an object): another server at that URL, most likely. `found` says what was wrong."""
    return RemoteError(
        f"{remote.url} answered with JSON that is not {expected} ({one_line(found)}): "
        "is it a Yardstick server?"
    )
