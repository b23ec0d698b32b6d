"""Credential bodies and the rendered credential (which never holds the payload)."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.models import Credential


def _addressable(name: str) -> str:
    # The client sends `/` in a path segment as %2F, which arrives decoded, and clients resolve
    # a `.` or `..` segment away (0.7.0's refuses it): such a name could never be fetched by
    # name, so it is refused up front.
    if "/" in name or name in (".", ".."):
        raise ValueError("must not contain '/' nor be '.' or '..' (it goes in a URL path)")
    return name


CredentialName = Annotated[
    str, StringConstraints(min_length=1, max_length=512), AfterValidator(_addressable)
]
CredentialType = Literal["key", "json"]
# SecretStr: the payload never shows in a repr, a dump or a log of the body.
Payload = Annotated[SecretStr, Field(min_length=1, max_length=65536)]
Description = Annotated[str, StringConstraints(max_length=4096)]


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: CredentialName = Field(description="Unique in the account; fetch it by this name")
    payload: Payload = Field(description="Stored encrypted; only the decrypt routes return it")
    type: CredentialType = Field(description="`key`, or `json` (the payload must then parse)")
    credential_metadata: dict[str, Any] | None = Field(
        default=None, description="Stored in the clear"
    )
    description: Description | None = None


class CredentialUpdate(BaseModel):
    """Every field optional. `name`, `type` and `payload` sent as null are left as they are;
    null clears `description` and `credential_metadata`."""

    model_config = ConfigDict(extra="ignore")

    name: CredentialName | None = None
    type: CredentialType | None = None
    payload: Payload | None = None
    credential_metadata: dict[str, Any] | None = None
    description: Description | None = None


class CredentialOut(BaseModel):
    object: str = "credential"
    id: str
    name: str
    type: str
    description: str | None
    credential_metadata: dict[str, Any] | None
    created_at: str
    updated_at: str
    created_by_user_id: str
    created_by_identity_type: str
    created_by: Identity


class CredentialList(ListOut[CredentialOut]):
    pass


class CredentialSecretOut(BaseModel):
    object: str = "credential_secret"
    result: str


def credential_json(credential: Credential) -> dict[str, Any]:
    return {
        "object": "credential",
        "id": credential.id,
        "name": credential.name,
        "type": credential.type,
        "description": credential.description,
        "credential_metadata": credential.credential_metadata,
        "created_at": format_ts(credential.created_at),
        "updated_at": format_ts(credential.updated_at),
        "created_by_user_id": credential.created_by_user_id,
        # Every caller is an API key, which acts as a user (see identity_json).
        "created_by_identity_type": "user",
        "created_by": identity_json(credential.created_by_user_id),
    }
