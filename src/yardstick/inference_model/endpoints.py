from typing import Annotated

from fastapi import APIRouter, Depends, Request

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.inference_model.schemas import (
    InferenceModelList,
    InferenceModelOut,
    ModelCreate,
    ModelUpdate,
    model_json,
)
from yardstick.inference_model.service import inference_model_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.kit.schemas import Vendor

router = APIRouter(prefix="/v5/models", tags=["models"], route_class=OrjsonRoute)


def _deploy_seconds(request: Request) -> float:
    return float(request.app.state.settings.model_deploy_seconds)


DeploySeconds = Annotated[float, Depends(_deploy_seconds)]


@router.post("", response_model=InferenceModelOut)
def create_model(
    body: ModelCreate, principal: PrincipalDep, session: WriteSessionDep, deploy: DeploySeconds
) -> JSONBody:
    """Register a launch or llmengine model; it starts `deploying` and becomes `ready`."""
    model = inference_model_service.create(session, principal, body=body, deploy_seconds=deploy)
    return JSONBody(model_json(model))


@router.get("/{model_id}", response_model=InferenceModelOut)
def get_model(model_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a registered model."""
    return JSONBody(model_json(inference_model_service.get(session, principal, model_id)))


@router.patch("/{model_id}", response_model=InferenceModelOut)
def update_model(
    model_id: str,
    body: ModelUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    deploy: DeploySeconds,
) -> JSONBody:
    """Replace metadata, patch the vendor configuration (redeploys), or rename / swap names."""
    model = inference_model_service.update(
        session, principal, model_id, body=body, deploy_seconds=deploy
    )
    return JSONBody(model_json(model))


@router.get("", response_model=InferenceModelList)
def list_models(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    model_vendor: Vendor | None = None,
    name: str | None = None,
) -> JSONBody:
    """List registered models, newest first; filter by vendor and exact name."""
    page = inference_model_service.list(
        session, principal, params=params, vendor=model_vendor, name=name
    )
    return JSONBody(page.envelope([model_json(row[0]) for row in page.rows]))


@router.delete("/{model_id}", response_model=DeletedOut)
def delete_model(model_id: str, principal: PrincipalDep, session: WriteSessionDep) -> JSONBody:
    """Delete a registered model for good."""
    inference_model_service.delete(session, principal, model_id)
    return deleted(model_id, "model")
