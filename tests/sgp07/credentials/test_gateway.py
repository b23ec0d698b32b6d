"""Model calls made for an account send the account's own vendor key (its `OPENAI_API_KEY`
secret) instead of the server's; a caller's `x-openai-api-key` wins for that one call.

The fake model server records the Authorization header of every call it gets; each test marks
its prompts so it reads only its own calls.
"""

import time
from typing import Any

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import select, update

from tests.execution.helpers import MODEL, chat_task, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server
from tests.sgp07.credentials.conftest import SERVER_KEY, marker, secret_value
from tests.sgp07.helpers import raw, unique
from yardstick.db.engine import create_db_engine
from yardstick.models import AccountSecret

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# How long another process may keep using a changed key (the gateway's cache), plus slack.
CACHE_WAIT_SECONDS = 3.0 + 3.0


def keys_seen(fake: FakeModels, mark: str) -> list[str | None]:
    """The Authorization headers of the calls whose body mentions `mark`, oldest first."""
    return [
        entry["authorization"]
        for entry in fake.requests()
        if mark in str(entry["body"].get("messages") or entry["body"].get("prompt"))
    ]


def chat(client: SGPClient, mark: str, **kwargs: Any) -> None:
    client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": f"hello {mark}"}], **kwargs
    )


def test_an_account_key_is_used_for_its_calls_only(
    fresh_client: SGPClient, other_engine_client: SGPClient, fake_models: FakeModels
) -> None:
    account_key = secret_value("sk-account")
    fresh_client.secrets.create(key="OPENAI_API_KEY", value=account_key)
    mark = marker()

    chat(fresh_client, mark)
    chat(other_engine_client, mark)  # an account without a key of its own

    assert keys_seen(fake_models, mark) == [f"Bearer {account_key}", f"Bearer {SERVER_KEY}"]


def test_the_callers_header_wins_for_that_call_only(
    fresh_client: SGPClient, fake_models: FakeModels, engine_server: Server
) -> None:
    account_key, own_key = secret_value("sk-account"), secret_value("sk-caller")
    fresh_client.secrets.create(key="OPENAI_API_KEY", value=account_key)
    mark = marker()

    chat(fresh_client, mark, x_openai_api_key=own_key)
    chat(fresh_client, mark)

    assert keys_seen(fake_models, mark) == [f"Bearer {own_key}", f"Bearer {account_key}"]
    assert own_key not in (engine_server.data_dir / "server.log").read_text()


def test_a_changed_key_is_used_at_once_and_a_deleted_one_no_more(
    fresh_client: SGPClient, fake_models: FakeModels
) -> None:
    # The cloud stores' spelling of the name works as well.
    first, second = secret_value("sk-first"), secret_value("sk-second")
    secret = fresh_client.secrets.create(key="openai-api-key", value=first)
    mark = marker()

    chat(fresh_client, mark)
    fresh_client.secrets.update(secret.id, value=second)
    chat(fresh_client, mark)
    fresh_client.secrets.delete(secret.id)
    chat(fresh_client, mark)

    assert keys_seen(fake_models, mark) == [
        f"Bearer {first}",
        f"Bearer {second}",
        f"Bearer {SERVER_KEY}",
    ]


@pytest.mark.parametrize("stream", [False, True])
def test_completions_inference_and_streams_use_the_account_key(
    fresh_client: SGPClient, fake_models: FakeModels, stream: bool
) -> None:
    account_key = secret_value("sk-account")
    fresh_client.secrets.create(key="OPENAI_API_KEY", value=account_key)
    mark = marker()

    result = fresh_client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": f"one {mark}"}], stream=stream
    )
    if stream:
        assert len(list(result)) >= 1  # type: ignore[arg-type]
    fresh_client.completions.create(model="openai/fake-instruct", prompt=f"two {mark}")
    fresh_client.inference.create(
        model=MODEL, args={"messages": [{"role": "user", "content": f"three {mark}"}]}
    )

    assert keys_seen(fake_models, mark) == [f"Bearer {account_key}"] * 3


def test_evaluation_runs_and_judges_use_the_account_key(
    fresh_client: SGPClient, other_engine_client: SGPClient, fake_models: FakeModels
) -> None:
    account_key = secret_value("sk-account")
    fresh_client.secrets.create(key="OPENAI_API_KEY", value=account_key)
    mark = marker()
    judge = {
        "task_type": "auto_evaluation.guided_decoding",
        "alias": "verdict",
        "configuration": {
            "model": MODEL,
            "prompt": f"Is this right? {mark} {{{{item.answer}}}}",
            "choices": ["yes", "no"],
        },
    }
    data = [{"input": f"question {i} {mark}"} for i in range(3)]
    tasks = [chat_task("answer"), judge]

    mine = fresh_client.evaluations.create(
        evaluation={"name": unique(), "data": data, "tasks": tasks}
    )
    theirs = other_engine_client.evaluations.create(
        evaluation={"name": unique(), "data": data[:1], "tasks": tasks[:1]}
    )
    done = wait_until_done(fresh_client, mine.id)
    assert (done.status, done.error_count) == ("completed", 0)
    assert wait_until_done(other_engine_client, theirs.id).status == "completed"

    assert all(item.data["verdict"] in ("yes", "no") for item in items_of(fresh_client, mine.id))
    seen = keys_seen(fake_models, mark)
    # 3 answers and 3 judgements for the account, 1 answer for the other account.
    assert sorted(seen) == sorted([f"Bearer {account_key}"] * 6 + [f"Bearer {SERVER_KEY}"])


def test_a_key_that_does_not_decrypt_fails_the_call_rather_than_use_the_servers(
    fresh_client: SGPClient, fake_models: FakeModels, engine_server: Server
) -> None:
    secret = fresh_client.secrets.create(key="OPENAI_API_KEY", value=secret_value())
    # Another row's ciphertext: valid bytes, but sealed for another row, so it must not open.
    other = fresh_client.secrets.create(key="SOMETHING_ELSE", value=secret_value())
    engine = create_db_engine(engine_server.database_url)
    try:
        with engine.begin() as connection:
            sealed = connection.scalar(
                select(AccountSecret.sealed_value).where(AccountSecret.id == other.id)
            )
            connection.execute(
                update(AccountSecret)
                .where(AccountSecret.id == secret.id)
                .values(sealed_value=sealed)
            )
    finally:
        engine.dispose()
    mark = marker()

    # The server learns of a change made behind its back within its cache time.
    deadline = time.monotonic() + CACHE_WAIT_SECONDS
    while True:
        with raw(fresh_client) as http:
            response = http.post(
                "/v5/chat/completions",
                json={"model": MODEL, "messages": [{"role": "user", "content": f"hi {mark}"}]},
            )
        if response.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    assert response.status_code == 502, response.text
    assert response.headers["x-should-retry"] == "false"
    assert "AccountKeyUnreadable" in response.text and "OPENAI_API_KEY" in response.text
    # The failed calls went nowhere; only those made before the cache expired carry a key.
    assert f"Bearer {SERVER_KEY}" not in keys_seen(fake_models, mark)


def test_the_server_key_is_used_without_any_account_key(
    fresh_client: SGPClient, fake_models: FakeModels
) -> None:
    # A secret under some other name is not a vendor key.
    fresh_client.secrets.create(key="OPENAI_API_KEY_BACKUP", value=secret_value())
    mark = marker()
    chat(fresh_client, mark)
    assert keys_seen(fake_models, mark) == [f"Bearer {SERVER_KEY}"]
