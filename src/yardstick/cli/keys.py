"""`yardstick accounts` and `yardstick keys`: accounts and API keys, straight in the database.

These open the database named by YARDSTICK_DATABASE_URL (never creating one: see database.py).
A key is shown once, when it is created; only its salted digest is stored, and neither is ever
printed again. A revoked key keeps its row (things it created still name it) and every server
refuses it within seconds (yardstick.auth.dependencies).

The modules that reach the database are imported inside the commands: the `yardstick` command
starts in a fraction of a second for the commands that only talk HTTP.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yardstick.db.session import SessionFactory
    from yardstick.models import ApiKey

accounts = typer.Typer(help="Manage accounts (opens the database).", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys (opens the database).", no_args_is_help=True)
console = Console()

AccountOption = Annotated[str, typer.Option("--account", help="The account the keys are of")]


def _sessions() -> "SessionFactory":
    """Sessions on the existing, migrated database (exit 1 if there is none)."""
    from yardstick.cli.database import open_database, reachable
    from yardstick.cli.settings import load_settings
    from yardstick.db.migrate import is_migrated, migrate
    from yardstick.db.session import SessionFactory

    settings = load_settings()
    engine = open_database(settings)

    def upgrade() -> None:
        # An older schema is upgraded, as `serve` would; an up-to-date one costs one query.
        if not is_migrated(engine):
            migrate(engine)

    reachable(settings, upgrade)
    return SessionFactory(engine)


def _fail(message: str) -> typer.Exit:
    from yardstick.cli.database import fail

    return fail(message)


def _require_account(session: "Session", account_id: str) -> None:
    from yardstick.models import Account

    if session.get(Account, account_id) is None:
        raise _fail(f"no account {account_id!r}; create it with `yardstick accounts create`")


def _when(moment: datetime | None, empty: str = "") -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else empty


@accounts.command("create")
def create_account(account_id: Annotated[str, typer.Argument(help="The new account's id")]) -> None:
    """Create an account."""
    from yardstick.auth.account_id import account_id_problem
    from yardstick.auth.service import auth_service
    from yardstick.errors import Conflict

    problem = account_id_problem(account_id)
    if problem is not None:  # before the database is opened
        raise _fail(f"{account_id!r} cannot be an account id: {problem}")
    with _sessions().write() as session, session.begin():
        try:
            auth_service.create_account(session, account_id=account_id)
        except Conflict as exc:
            raise _fail(str(exc.detail)) from exc
    console.print(f"created account {account_id}", markup=False, highlight=False, soft_wrap=True)


@keys.command("create")
def create_key(
    account: Annotated[str, typer.Option("--account", help="The account the key is for")],
    name: Annotated[str, typer.Option("--name", help="A label for the key")] = "",
) -> None:
    """Create an API key for an account and print it (it is not shown again)."""
    from yardstick.auth.service import auth_service, generate_key, key_hasher
    from yardstick.cli.settings import load_settings
    from yardstick.master_key_check import MasterKeyMismatch, confirm
    from yardstick.secret_box import MasterKeyError, secret_box

    key = generate_key()
    sessions = _sessions()
    settings = load_settings()
    try:
        # The server's own secret: a key hashed with another would never be accepted.
        hasher = key_hasher(settings, create=False)
    except MasterKeyError as exc:
        raise _fail(str(exc)) from exc
    with sessions.write() as session, session.begin():
        try:
            confirm(session, secret_box(settings, create=False))
        except MasterKeyMismatch as exc:
            raise _fail(str(exc)) from None
        _require_account(session, account)
        auth_service.add_key(session, hasher, account_id=account, key=key, name=name)
    print(key)


@keys.command("list")
def list_keys(account: AccountOption) -> None:
    """List an account's API keys: id, name, when created and last used (UTC), if revoked.

    The keys themselves are never shown: only their salted digests are stored.
    """
    from yardstick.auth.service import auth_service

    with _sessions().read() as session:
        _require_account(session, account)
        rows = auth_service.list_keys(session, account_id=account)
    table = Table("id", "name", "created (UTC)", "last used (UTC)", "revoked (UTC)")
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(
            row.id,
            row.name,
            _when(row.created_at),
            _when(row.last_used_at, "never"),
            _when(row.revoked_at),
        )
    # Piped (not a terminal), the table keeps its natural width: no id is cut or wrapped.
    out = console if console.is_terminal else Console(width=1000)
    if rows:
        out.print(table, markup=False, highlight=False)
    else:
        console.print(
            f"account {account!r} has no API keys", markup=False, highlight=False, soft_wrap=True
        )


def _pick(candidates: "list[ApiKey]", id_or_name: str) -> "ApiKey | None":
    """The key `id_or_name` names among `candidates` (matched by id or name): an exact id wins,
    then the only key of that name not yet revoked; None if all of them are revoked."""
    for candidate in candidates:
        if candidate.id == id_or_name:
            return candidate
    live = [candidate for candidate in candidates if candidate.revoked_at is None]
    if len(live) > 1:
        ids = ", ".join(candidate.id for candidate in live)
        raise _fail(f"{len(live)} keys are named {id_or_name!r} ({ids}); revoke one by its id")
    return live[0] if live else None


@keys.command("revoke")
def revoke_key(
    id_or_name: Annotated[str, typer.Argument(help="The key's id, or its name")],
    account: Annotated[
        str | None, typer.Option("--account", help="Look only among this account's keys")
    ] = None,
) -> None:
    """Revoke an API key: every server refuses it (401) within seconds. The key stays listed."""
    from yardstick.auth.service import auth_service
    from yardstick.db.types import utcnow

    with _sessions().write() as session, session.begin():
        if account is not None:
            _require_account(session, account)
        candidates = auth_service.find_keys(session, id_or_name=id_or_name, account_id=account)
        if not candidates:
            where = f" in account {account!r}" if account is not None else ""
            raise _fail(f"no API key {id_or_name!r}{where} (give its id or name)")
        chosen = _pick(candidates, id_or_name)
        if chosen is None or chosen.revoked_at is not None:
            revoked = chosen or candidates[0]
            console.print(
                f"API key {revoked.id} ({revoked.name or 'no name'}) of account "
                f"{revoked.account_id!r} was already revoked at {_when(revoked.revoked_at)} UTC",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            return
        auth_service.revoke_key(session, chosen, at=utcnow())
        label = f"{chosen.id} ({chosen.name or 'no name'}) of account {chosen.account_id!r}"
    console.print(f"revoked API key {label}", markup=False, highlight=False, soft_wrap=True)
