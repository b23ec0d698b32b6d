"""Rules for the model registry.

A model is a `launch` or `llmengine` vendor configuration under a name that is unique per
(account, vendor); a database constraint enforces it, so a concurrent create or rename that
loses the race is a 409 like any other name conflict.

Nothing is deployed: a create, an `on_conflict: update` or a configuration PATCH sets `ready_at`
`deploy_seconds` ahead, and the status reads `deploying` until then (see `InferenceModel`). A
deploying model cannot be changed: such a PATCH or update is a 409 with `x-should-retry: false`
(the client must wait for `ready`, not replay at once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import AppError, Conflict, NotFound, Unprocessable
from yardstick.inference_model.repository import inference_model_repository
from yardstick.inference_model.schemas import VENDORS, ModelCreate, ModelUpdate
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import InferenceModel


class InvalidVendorConfiguration(Unprocessable):
    """Every problem of one vendor configuration at once, each naming its field."""

    def __init__(self, exc: ValidationError) -> None:
        AppError.__init__(
            self,
            [
                {
                    "loc": ["body", "vendor_configuration", *error["loc"]],
                    "msg": error["msg"],
                    "type": error["type"],
                }
                for error in exc.errors(include_url=False)
            ],
        )


class ModelDeploying(Conflict):
    def __init__(self, model: InferenceModel) -> None:
        super().__init__(f"model {model.id!r} is deploying and cannot be changed until it is ready")


class ModelNameTaken(Conflict):
    def __init__(self, vendor: str, name: str, hint: str) -> None:
        # Worded so no article precedes the vendor ("a openai", "a llmengine").
        super().__init__(f"a model named {name!r} already exists for vendor {vendor}; {hint}")


def _vendor_of(body: ModelCreate) -> str:
    """The vendor a create means: `model_vendor`, else the configuration's shape.

    A vendor other than launch and llmengine registers a hosted model: a catalog entry for the
    vendor's own model of that name, with no configuration and nothing to deploy.
    """
    if body.model_vendor is not None:
        if body.model_vendor not in VENDORS and body.vendor_configuration is not None:
            raise Unprocessable(
                ["body", "vendor_configuration"],
                f"a hosted {body.model_vendor} model takes no vendor_configuration "
                f"(only {' and '.join(VENDORS)} models are configured)",
            )
        return body.model_vendor
    if body.vendor_configuration is None:
        raise Unprocessable(
            ["body", "vendor_configuration"],
            "field required (or give model_vendor and model_type for a hosted model)",
        )
    for vendor, spec in VENDORS.items():
        if spec.shape_keys & body.vendor_configuration.keys():
            return vendor
    for vendor, spec in VENDORS.items():
        if body.model_type == spec.model_type:
            return vendor
    raise Unprocessable(
        ["body", "vendor_configuration"],
        "cannot tell the vendor: a launch configuration has model_image and model_infra, "
        "an llmengine configuration has model",
    )


def _configuration(vendor: str, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = VENDORS[vendor].configuration.model_validate(raw)
    except ValidationError as exc:
        raise InvalidVendorConfiguration(exc) from exc
    return parsed.model_dump(mode="json", exclude_none=True)


def _merge(base: dict[str, Any], patch: dict[str, Any], depth: int) -> dict[str, Any]:
    """`patch` over `base`; `null` removes a key; objects merge `depth` levels down."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif depth > 0 and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, depth - 1)
        else:
            merged[key] = value
    return merged


def _check_patch_vendor(model: InferenceModel, patch: dict[str, Any]) -> None:
    """A partial configuration must be of the model's own vendor."""
    launch_keys = VENDORS["launch"].shape_keys
    if model.model_vendor == "launch":
        wrong = sorted(patch.keys() - launch_keys)
    else:
        wrong = sorted(patch.keys() & launch_keys)
    if wrong:
        raise Unprocessable(
            ["body", "vendor_configuration", wrong[0]],
            f"not part of the configuration of {model.model_vendor} models; "
            f"vendor_configuration must match the model's vendor ({model.model_vendor})",
        )


class InferenceModelService:
    def create(
        self, session: Session, principal: Principal, *, body: ModelCreate, deploy_seconds: float
    ) -> InferenceModel:
        vendor = _vendor_of(body)
        hosted = vendor not in VENDORS
        if hosted:
            if body.model_type is None:
                raise Unprocessable(["body", "model_type"], "field required for a hosted model")
            model_type, configuration = body.model_type, {}
            deploy_seconds = 0.0  # nothing to deploy: ready at once
        else:
            model_type = body.model_type or VENDORS[vendor].model_type
            if model_type != VENDORS[vendor].model_type:
                raise Unprocessable(
                    ["body", "model_type"],
                    f"{vendor} models are of type {VENDORS[vendor].model_type}, not {model_type}",
                )
            configuration = _configuration(vendor, body.vendor_configuration or {})
        now = utcnow()
        existing = inference_model_repository.get_by_name(
            session, account_id=principal.account_id, vendor=vendor, name=body.name, for_update=True
        )
        if existing is not None:
            return self._update_named(session, existing, body, configuration, deploy_seconds)
        model = InferenceModel(
            account_id=principal.account_id,
            name=body.name,
            model_vendor=vendor,
            model_type=model_type,
            model_metadata=body.model_metadata or {},
            vendor_configuration=configuration,
            created_by_user_id=principal.user_id,
            created_at=now,
        )
        self._deploy(model, now, deploy_seconds)
        if body.on_conflict != "update":
            session.add(model)
            self._flush_names(session, vendor, body.name)
            return model
        try:
            with session.begin_nested():  # a savepoint: losing the race must not end the request
                session.add(model)
        except IntegrityError:
            # Another request created the name since it was read (PostgreSQL's requests do not
            # take turns): update that one, as `on_conflict: update` asks.
            existing = inference_model_repository.get_by_name(
                session,
                account_id=principal.account_id,
                vendor=vendor,
                name=body.name,
                for_update=True,
            )
            if existing is None:  # it was deleted again since: a race to report, not to loop on
                raise ModelNameTaken(vendor, body.name, "another request took it first") from None
            return self._update_named(session, existing, body, configuration, deploy_seconds)
        return model

    def _update_named(
        self,
        session: Session,
        existing: InferenceModel,
        body: ModelCreate,
        configuration: dict[str, Any],
        deploy_seconds: float,
    ) -> InferenceModel:
        """A create naming a model that exists: its update with `on_conflict: update`."""
        if body.on_conflict != "update":
            raise ModelNameTaken(
                existing.model_vendor, body.name, "pass on_conflict=update to update it"
            )
        self._check_ready(existing)
        existing.vendor_configuration = configuration
        if body.model_metadata is not None:
            existing.model_metadata = body.model_metadata
        self._deploy(existing, utcnow(), deploy_seconds)
        session.flush()
        return existing

    def get(
        self, session: Session, principal: Principal, model_id: str, *, for_update: bool = False
    ) -> InferenceModel:
        return inference_model_repository.require(
            session, account_id=principal.account_id, row_id=model_id, for_update=for_update
        )

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        vendor: str | None,
        name: str | None,
    ) -> Page:
        stmt = inference_model_repository.list_stmt(
            account_id=principal.account_id, vendor=vendor, name=name
        )
        return paginate(
            session,
            stmt,
            key=InferenceModel.id,
            params=params,
            sortable={"name": InferenceModel.name, "updated_at": InferenceModel.updated_at},
            cursor_exists=inference_model_repository.cursor_check(session, principal.account_id),
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        model_id: str,
        *,
        body: ModelUpdate,
        deploy_seconds: float,
    ) -> InferenceModel:
        model = self.get(session, principal, model_id, for_update=True)
        self._check_ready(model)
        now = utcnow()
        if body.name is not None:
            if body.vendor_configuration is not None or body.model_metadata is not None:
                raise Unprocessable(
                    ["body", "name"], "a rename cannot be combined with other changes"
                )
            return self._rename(session, principal, model, body.name, body.on_conflict, now)
        if body.on_conflict is not None:
            raise Unprocessable(["body", "on_conflict"], "on_conflict applies only to a rename")
        if body.vendor_configuration is not None:
            if model.model_vendor not in VENDORS:
                raise Unprocessable(
                    ["body", "vendor_configuration"],
                    f"a hosted {model.model_vendor} model has no vendor_configuration",
                )
            _check_patch_vendor(model, body.vendor_configuration)
            depth = 1 if model.model_vendor == "launch" else 0
            model.vendor_configuration = _configuration(
                model.model_vendor,
                _merge(model.vendor_configuration, body.vendor_configuration, depth),
            )
            self._deploy(model, now, deploy_seconds)
        if body.model_metadata is not None:
            model.model_metadata = body.model_metadata
            model.updated_at = now
        session.flush()
        return model

    def delete(self, session: Session, principal: Principal, model_id: str) -> None:
        self._check_ready(self.get(session, principal, model_id, for_update=True))
        if not inference_model_repository.delete(
            session, account_id=principal.account_id, row_id=model_id
        ):
            raise NotFound("model", model_id)

    def resolve(self, session: Session, *, account_id: str, name: str) -> InferenceModel | None:
        """The registered model a task's `model` string names, if any.

        `name` is a model's name, or `vendor/name` when two vendors use the same name; a bare
        name held by both vendors resolves to the llmengine (chat completion) one.
        """
        found = inference_model_repository.find_by_name(session, account_id=account_id, name=name)
        if not found and "/" in name:
            vendor, _, bare = name.partition("/")
            if vendor in VENDORS:
                return inference_model_repository.get_by_name(
                    session, account_id=account_id, vendor=vendor, name=bare
                )
        # llmengine before launch before hosted models of other vendors.
        preference = ["llmengine", "launch"]
        found.sort(
            key=lambda model: (
                preference.index(model.model_vendor)
                if model.model_vendor in preference
                else len(preference)
            )
        )
        return found[0] if found else None

    def _rename(
        self,
        session: Session,
        principal: Principal,
        model: InferenceModel,
        name: str,
        on_conflict: str | None,
        now: datetime,
    ) -> InferenceModel:
        if name == model.name:
            return model
        holder = inference_model_repository.get_by_name(
            session,
            account_id=principal.account_id,
            vendor=model.model_vendor,
            name=name,
            for_update=True,
        )
        if holder is None:
            model.name = name
            model.updated_at = now
            self._flush_names(session, model.model_vendor, name)
        elif on_conflict == "swap":
            self._check_ready(holder)
            inference_model_repository.swap_names(session, model, holder, now=now)
        else:
            raise ModelNameTaken(
                model.model_vendor, name, "pass on_conflict=swap to exchange the two names"
            )
        return model

    @staticmethod
    def _deploy(model: InferenceModel, now: datetime, deploy_seconds: float) -> None:
        model.updated_at = now
        model.ready_at = now + timedelta(seconds=deploy_seconds)

    @staticmethod
    def _check_ready(model: InferenceModel) -> None:
        if model.status == "deploying":
            raise ModelDeploying(model)

    @staticmethod
    def _flush_names(session: Session, vendor: str, name: str) -> None:
        """Flush, turning a lost race for the (account, vendor, name) constraint into a 409."""
        try:
            session.flush()
        except IntegrityError as exc:
            raise ModelNameTaken(vendor, name, "another request took it first") from exc


inference_model_service = InferenceModelService()


def resolve_registered_model(session: Session, account_id: str, name: str) -> InferenceModel | None:
    """The registered model called `name` (or `vendor/name`) in the account, if any."""
    return inference_model_service.resolve(session, account_id=account_id, name=name)
