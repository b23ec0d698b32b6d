"""The 0.7.0 client's `responses.create`: OpenAI's Responses API through Yardstick."""

import pytest
from scale_gp_beta import BadRequestError, SGPClient, UnprocessableEntityError
from scale_gp_beta.types import OpenAIResponse

from tests.fixtures.fake_model_server import FakeModels


def test_create_returns_the_response_the_client_types(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    answer = engine_client.responses.create(
        model="openai/gpt-4o-mini",
        input=[{"role": "user", "content": "hello there"}],
        instructions="be brief",
        temperature=0.2,
        truncation="auto",
    )

    assert isinstance(answer, OpenAIResponse)
    assert answer.object == "response"
    message = answer.output[0]
    assert message.type == "message"
    assert message.content[0].text == "echo: hello there"  # type: ignore[union-attr]
    sent = fake_models.last_body("/v1/responses")
    assert sent["model"] == "gpt-4o-mini"
    assert sent["instructions"] == "be brief" and sent["truncation"] == "auto"


def test_another_vendor_is_a_400_the_client_does_not_retry(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    with pytest.raises(BadRequestError) as refused:
        engine_client.with_options(max_retries=3).responses.create(model="plain/m", input="hi")
    assert "OpenAI models only" in str(refused.value.body)
    assert fake_models.stats()["total"] == 0


def test_a_bad_field_is_a_422(engine_client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError):
        engine_client.responses.create(model="openai/gpt-4o-mini", input="hi", top_p=2)
