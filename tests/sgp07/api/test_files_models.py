"""Files, models and chat completions through the 0.7.0 client."""

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import NotFoundError, UnprocessableEntityError

from tests.sgp07.helpers import assert_identity, error_locs, unique, upload


def test_files_carry_identity_and_filter_by_name(client: SGPClient) -> None:
    stem = unique("Report")
    file_id = upload(client, f"{stem}.txt")
    upload(client, f"{unique('other')}.txt")

    assert_identity(client.files.retrieve(file_id))
    found = list(client.files.list(filename=stem.lower()[3:]))
    assert [f.id for f in found] == [file_id]
    assert client.files.content.retrieve(file_id) is not None
    # The project header is accepted (projects are not modelled: the account is the scope).
    assert [
        f.id for f in client.files.list(filename=stem, extra_headers={"x-project-id": "p1"})
    ] == [file_id]


def test_registered_models_carry_identity_type_and_availability(client: SGPClient) -> None:
    model = client.models.create(
        model={
            "name": unique("m"),
            "model_type": "chat_completion",
            "model_vendor": "llmengine",
            "vendor_configuration": {"model": "x", "chat_template_override": "{{ messages }}"},
        }
    )

    assert model.created_by_identity_type == "user"
    assert model.vendor_configuration is not None
    retrieved = client.models.retrieve(model.id)
    assert retrieved.model_availability in ("available", "unavailable")
    assert (retrieved.model_extra or {})["created_by"]["type"] == "user"


def test_a_hosted_model_is_registered_ready(client: SGPClient) -> None:
    name = unique("gpt")
    model = client.models.create(
        model={"name": name, "model_type": "chat_completion", "model_vendor": "openai"}
    )

    assert (model.status, model.api_model_vendor, model.model_availability) == (
        "ready",
        "openai",
        "available",
    )
    # None, not `{}`: the client would read that as a Launch configuration missing its fields.
    assert model.vendor_configuration is None
    assert client.models.retrieve(model.id).vendor_configuration is None
    listed = [m.name for m in client.models.list(sort_by="name")]
    assert name in listed
    assert [m.id for m in client.models.list(name=name.upper()[2:])] == [model.id]
    client.models.delete(model.id)
    with pytest.raises(NotFoundError):
        client.models.retrieve(model.id)


@pytest.mark.parametrize(
    ("model", "loc"),
    [
        ({"name": "h", "model_vendor": "openai"}, ["body", "model_type"]),
        (
            {
                "name": "h",
                "model_type": "chat_completion",
                "model_vendor": "openai",
                "vendor_configuration": {"model": "x"},
            },
            ["body", "vendor_configuration"],
        ),
        ({"name": "h", "model_type": "chat_completion"}, ["body", "vendor_configuration"]),
    ],
)
def test_bad_hosted_models_are_422s(
    client: SGPClient, model: dict[str, object], loc: list[object]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.models.create(model=model)  # type: ignore[arg-type]

    assert error_locs(caught.value) == [loc]
