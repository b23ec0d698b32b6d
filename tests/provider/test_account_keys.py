"""Which key a model call sends: the caller's for that call, else the account's own, else the
server's; and a refusal that quotes the key it was sent does not carry it any further, not
even into the trace of the run that made the call."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.provider.helpers import HELLO, KEY, fake_providers, run
from yardstick.judge import judge_service
from yardstick.provider import Providers, UpstreamRejected, account_keys
from yardstick.provider.account_keys import vendor_key_name
from yardstick.span.calls import recording
from yardstick.task.chat_completion import ChatCompletion
from yardstick.task.context import ExecContext, TaskFailure

ACCOUNT_KEY = "sk-account-0123456789"


class Keys:
    """An account key source holding one account's OpenAI key."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.forgotten: list[str] = []

    async def key_for(self, account_id: str, vendor: str) -> str | None:
        self.asked.append((account_id, vendor))
        return ACCOUNT_KEY if (account_id, vendor) == ("acct-a", "openai") else None

    def forget(self, account_id: str) -> None:
        self.forgotten.append(account_id)


@pytest.fixture
def keys() -> Iterator[Keys]:
    source = Keys()
    account_keys.install(source)
    yield source
    account_keys.install(None)


def sent(fake: FakeModels) -> list[str | None]:
    return [entry["authorization"] for entry in fake.requests()]


def test_the_account_key_then_the_server_key(fake_models: FakeModels, keys: Keys) -> None:
    async def work(p: Providers) -> None:
        await p.chat_completion(p.route("openai/fake-chat", account_id="acct-a"), HELLO)
        await p.chat_completion(p.route("openai/fake-chat", account_id="acct-b"), HELLO)
        await p.chat_completion(p.route("openai/fake-chat"), HELLO)  # the server's own call
        await p.completion(p.route("openai/fake-instruct", account_id="acct-a"), {"prompt": "x"})
        await p.inference(p.route("openai/fake-chat", account_id="acct-a"), HELLO)

    run(fake_providers(fake_models), work)
    assert sent(fake_models) == [
        f"Bearer {ACCOUNT_KEY}",
        f"Bearer {KEY}",
        f"Bearer {KEY}",
        f"Bearer {ACCOUNT_KEY}",
        f"Bearer {ACCOUNT_KEY}",
    ]
    assert ("acct-b", "openai") in keys.asked


def test_the_callers_key_wins_and_streams_use_the_same_rule(
    fake_models: FakeModels, keys: Keys
) -> None:
    async def work(p: Providers) -> None:
        route = p.route("openai/fake-chat", account_id="acct-a")
        await p.chat_completion(route, HELLO, api_key="sk-caller-0123456789")
        async for _ in p.stream_chat_completion(route, HELLO, api_key="sk-caller-0123456789"):
            pass
        async for _ in p.stream_chat_completion(route, HELLO):
            pass
        async for _ in p.stream_completion(route, {"prompt": "x"}):
            pass

    run(fake_providers(fake_models), work)
    assert sent(fake_models) == ["Bearer sk-caller-0123456789"] * 2 + [f"Bearer {ACCOUNT_KEY}"] * 2


def test_without_a_source_the_server_key_is_sent(fake_models: FakeModels) -> None:
    async def work(p: Providers) -> None:
        await p.chat_completion(p.route("openai/fake-chat", account_id="acct-a"), HELLO)

    run(fake_providers(fake_models), work)
    assert sent(fake_models) == [f"Bearer {KEY}"]


@pytest.mark.parametrize(
    ("caller_key", "account"),
    [(None, "acct-a"), ("sk-caller-0123456789", "acct-a"), (None, "acct-b")],
    ids=["the account's key", "the caller's key", "the server's key"],
)
def test_a_refusal_quoting_the_key_is_redacted(
    fake_models: FakeModels, keys: Keys, caller_key: str | None, account: str
) -> None:
    """Whichever key was sent: the server's own (acct-b has none) reaching an account's users
    in a 502 or a cell's error would be the worst of the three."""
    used = caller_key or (ACCOUNT_KEY if account == "acct-a" else KEY)
    fake_models.control(
        fail_next=[{"status": 401, "message": f"Incorrect API key provided: {used}."}] * 2
    )

    async def work(p: Providers) -> list[Any]:
        route = p.route("openai/fake-chat", account_id=account)
        errors: list[Any] = []
        with recording() as log:  # as a run's cell records its calls, for its trace
            try:
                await p.chat_completion(route, HELLO, api_key=caller_key)
            except UpstreamRejected as exc:
                errors.append(exc)
        (call,) = log.calls
        errors.append(call.error_message)  # once kept as the vendor sent it
        try:
            async for _ in p.stream_chat_completion(route, HELLO, api_key=caller_key):
                pass
        except UpstreamRejected as exc:
            errors.append(exc)
        return errors

    errors = run(fake_providers(fake_models), work)
    assert len(errors) == 3
    for error in errors:
        message = error if isinstance(error, str) else error.message
        assert used not in message and used not in str(error)
        assert "Incorrect API key provided: [redacted]." in message


def test_an_answer_without_a_choice_quoting_the_account_key_hides_it(
    fake_models: FakeModels, keys: Keys
) -> None:
    """A 200 error body quoting the account's key: a chat cell's error and a judge's quoted
    the vendor's message with only the server's own keys taken out."""
    quoting = {"error": {"message": f"key {ACCOUNT_KEY} is over quota"}}
    fake_models.control(bodies_next=[quoting, quoting])

    async def work(p: Providers) -> list[str]:
        ctx = ExecContext(providers=p, account_id="acct-a", questions={})
        ctx.routes["openai/fake-chat"] = p.route("openai/fake-chat", account_id="acct-a")
        messages = [{"role": "user", "content": "?"}]
        failures = []
        for attempt in (
            ChatCompletion().execute({"model": "openai/fake-chat", "messages": messages}, ctx),
            judge_service.choose(ctx, model="openai/fake-chat", prompt="?", choices=["a", "b"]),
        ):
            with pytest.raises(TaskFailure) as caught:
                await attempt
            failures.append(caught.value.message)
        return failures

    for message in run(fake_providers(fake_models), work):
        assert "over quota" in message
        assert ACCOUNT_KEY not in message and "[redacted]" in message


def test_vendor_key_names() -> None:
    assert vendor_key_name("openai") == "OPENAI_API_KEY"
    assert vendor_key_name("anthropic") == "ANTHROPIC_API_KEY"
    assert vendor_key_name("fireworks_ai") == "FIREWORKS_AI_API_KEY"
    assert vendor_key_name("my-vllm") == "MY_VLLM_API_KEY"


def test_forget_reaches_the_installed_source(keys: Keys) -> None:
    account_keys.forget("acct-a")
    assert keys.forgotten == ["acct-a"]
    account_keys.install(None)
    account_keys.forget("acct-a")  # nothing installed: nothing to do
