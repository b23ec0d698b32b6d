"""The gateway's cache of account keys, on a real (SQLite) database in this process: a key is
read once per few seconds, a change shows once the entry expires or is forgotten, and a key
that does not decrypt fails the call instead of falling back to the server's."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import event, update

from yardstick.account_secret.schemas import SecretCreate, SecretUpdate
from yardstick.account_secret.service import account_secret_service
from yardstick.account_secret.vendor_keys import AccountKeyUnreadable, VendorKeys
from yardstick.auth.service import Principal, auth_service
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.models import AccountSecret
from yardstick.secret_box import SecretBox

BOX = SecretBox(bytes(range(32)))
ALICE = Principal(account_id="alice", user_id="key-alice")
BOB = Principal(account_id="bob", user_id="key-bob")


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionFactory]:
    path: Path = tmp_path_factory.mktemp("vendor-keys") / "yardstick.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    factory = SessionFactory(engine)
    with factory.write() as session, session.begin():
        for principal in (ALICE, BOB):
            auth_service.create_account(session, account_id=principal.account_id)
    yield factory
    engine.dispose()


@pytest.fixture
def queries(sessions: SessionFactory) -> Iterator[list[str]]:
    """The SELECTs of account secrets run while a test runs."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM account_secrets" in statement:
            seen.append(statement)

    event.listen(sessions.engine, "before_cursor_execute", count)
    yield seen
    event.remove(sessions.engine, "before_cursor_execute", count)


def store(sessions: SessionFactory, principal: Principal, key: str, value: str) -> str:
    with sessions.write() as session, session.begin():
        body = SecretCreate(key=key, value=SecretStr(value))
        return account_secret_service.create(session, principal, body=body, box=BOX).id


def change(sessions: SessionFactory, principal: Principal, secret_id: str, value: str) -> None:
    with sessions.write() as session, session.begin():
        body = SecretUpdate(value=SecretStr(value))
        account_secret_service.update(session, principal, secret_id, body=body, box=BOX)


def remove(sessions: SessionFactory, principal: Principal, secret_id: str) -> None:
    with sessions.write() as session, session.begin():
        account_secret_service.delete(session, principal, secret_id)


def test_a_key_is_read_once_per_ttl_and_changes_show_after_it(
    sessions: SessionFactory, queries: list[str]
) -> None:
    secret_id = store(sessions, ALICE, "openai-api-key", "sk-alice-1")
    keys = VendorKeys(sessions, BOX, ttl=0.3)

    async def work() -> list[str | None]:
        first = await asyncio.gather(*(keys.key_for("alice", "openai") for _ in range(20)))
        assert len(queries) == 1  # twenty calls that missed together made one query
        change(sessions, ALICE, secret_id, "sk-alice-2")
        queries.clear()
        cached = await keys.key_for("alice", "openai")  # not installed: nothing forgot it
        assert queries == []
        await asyncio.sleep(0.35)
        fresh = await keys.key_for("alice", "openai")
        assert len(queries) == 1
        return [*set(first), cached, fresh]

    queries.clear()  # the store's own
    assert asyncio.run(work()) == ["sk-alice-1", "sk-alice-1", "sk-alice-2"]
    remove(sessions, ALICE, secret_id)


def test_forget_drops_only_that_accounts_entries(sessions: SessionFactory) -> None:
    alice = store(sessions, ALICE, "ANTHROPIC_API_KEY", "sk-ant-alice")
    bob = store(sessions, BOB, "ANTHROPIC_API_KEY", "sk-ant-bob")
    keys = VendorKeys(sessions, BOX, ttl=60)

    async def work() -> list[str | None]:
        before = [await keys.key_for(a, "anthropic") for a in ("alice", "bob")]
        change(sessions, ALICE, alice, "sk-ant-alice-2")
        change(sessions, BOB, bob, "sk-ant-bob-2")
        keys.forget("alice")
        after = [await keys.key_for(a, "anthropic") for a in ("alice", "bob")]
        return before + after

    assert asyncio.run(work()) == ["sk-ant-alice", "sk-ant-bob", "sk-ant-alice-2", "sk-ant-bob"]
    remove(sessions, ALICE, alice)
    remove(sessions, BOB, bob)


def test_no_key_is_none_and_is_cached_too(sessions: SessionFactory, queries: list[str]) -> None:
    keys = VendorKeys(sessions, BOX, ttl=60)

    async def work() -> list[str | None]:
        return [await keys.key_for("bob", "fireworks_ai") for _ in range(3)]

    assert asyncio.run(work()) == [None] * 3
    assert len(queries) == 1


def test_a_key_that_does_not_decrypt_fails_the_call(sessions: SessionFactory) -> None:
    secret_id = store(sessions, BOB, "OPENAI_API_KEY", "sk-bob")
    with sessions.write() as session, session.begin():
        session.execute(
            update(AccountSecret)
            .where(AccountSecret.id == secret_id)
            .values(
                sealed_value=SecretBox(bytes(32)).seal(
                    "x", kind="account_secret", account_id="bob", object_id=secret_id
                )
            )
        )
    keys = VendorKeys(sessions, BOX)
    with pytest.raises(AccountKeyUnreadable, match="OPENAI_API_KEY secret cannot be decrypted"):
        asyncio.run(keys.key_for("bob", "openai"))
    remove(sessions, BOB, secret_id)


def test_a_pasted_keys_surrounding_whitespace_is_dropped(sessions: SessionFactory) -> None:
    secret_id = store(sessions, BOB, "OPENAI_API_KEY", "  sk-bob-pasted\n")
    assert asyncio.run(VendorKeys(sessions, BOX).key_for("bob", "openai")) == "sk-bob-pasted"
    remove(sessions, BOB, secret_id)


@pytest.mark.parametrize("value", ["sk-a\nb", "sk-\x00b", "sk-clé", " \n "])
def test_a_key_no_header_can_carry_fails_the_call(sessions: SessionFactory, value: str) -> None:
    """Sent, it failed inside the HTTP client: a 500 on the inference routes."""
    secret_id = store(sessions, BOB, "OPENAI_API_KEY", value)
    keys = VendorKeys(sessions, BOX)
    with pytest.raises(AccountKeyUnreadable, match="OPENAI_API_KEY secret cannot be sent"):
        asyncio.run(keys.key_for("bob", "openai"))
    remove(sessions, BOB, secret_id)
