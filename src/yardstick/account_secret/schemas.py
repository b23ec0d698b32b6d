"""Account secret bodies and the rendered secret (which never holds the value)."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.models import AccountSecret

# Letters, digits, `_` and `-`, starting with a letter: `OPENAI_API_KEY` (environment style) or
# `openai-api-key` (the cloud secret stores' style) both fit, and nothing that needs escaping
# in a path or a secret store's name.
SecretKey = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
]
# SecretStr: the value never shows in a repr, a dump or a log of the body.
SecretValue = Annotated[SecretStr, Field(min_length=1, max_length=65536)]
Description = Annotated[str, StringConstraints(max_length=4096)]


class SecretCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: SecretKey = Field(description="The secret's name, e.g. OPENAI_API_KEY")
    value: SecretValue = Field(description="Stored encrypted; never returned")
    description: Description | None = None


class SecretUpdate(BaseModel):
    """`value` replaces the stored value; `description` replaces (null clears) the description.
    The key cannot change: delete the secret and create another."""

    model_config = ConfigDict(extra="ignore")

    description: Description | None = None
    value: SecretValue | None = None


class CloudSecretOut(BaseModel):
    object: str = "sgp_cloud_secret"
    id: str
    account_id: str
    key: str
    description: str | None
    cloud_secret_path: str
    created_at: str
    created_by: Identity
    created_by_user_id: str
    updated_at: str
    updated_by: str


class CloudSecretList(ListOut[CloudSecretOut]):
    pass


def lookup_key(key: str) -> str:
    """The canonical form two spellings of one name share: `openai-api-key` → `OPENAI_API_KEY`."""
    return key.upper().replace("-", "_")


def secret_path(secret: AccountSecret) -> str:
    """Where the value is kept: Yardstick's own encrypted table."""
    return f"db://{secret.account_id}/{secret.key}"


def secret_json(secret: AccountSecret) -> dict[str, Any]:
    return {
        "object": "sgp_cloud_secret",
        "id": secret.id,
        "account_id": secret.account_id,
        "key": secret.key,
        "description": secret.description,
        "cloud_secret_path": secret_path(secret),
        "created_at": format_ts(secret.created_at),
        "created_by": identity_json(secret.created_by_user_id),
        "created_by_user_id": secret.created_by_user_id,
        "updated_at": format_ts(secret.updated_at),
        "updated_by": secret.updated_by_user_id,
    }
