from typing import Annotated

from fastapi import APIRouter, Depends, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.dataset.schemas import (
    DatasetCreate,
    DatasetList,
    DatasetOut,
    DatasetUpdate,
    dataset_json,
)
from yardstick.dataset.service import dataset_service
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import tags_filter
from yardstick.kit.responses import DeletedOut, JSONBody, deleted

router = APIRouter(prefix="/v5/datasets", tags=["datasets"], route_class=OrjsonRoute)

IncludeArchived = Annotated[bool, Query(description="Include archived datasets")]


@router.post("", response_model=DatasetOut)
def create_dataset(
    body: DatasetCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create a dataset at version 1 with its initial items."""
    dataset, _ = dataset_service.create(session, principal, body=body)
    return JSONBody(dataset_json(dataset))


@router.get("/{dataset_id}", response_model=DatasetOut)
def get_dataset(
    dataset_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """Retrieve a dataset."""
    dataset = dataset_service.get(session, principal, dataset_id, include_archived=include_archived)
    return JSONBody(dataset_json(dataset))


@router.patch("/{dataset_id}", response_model=DatasetOut)
def update_dataset(
    dataset_id: str, body: DatasetUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Update a dataset's name, description or tags; its version does not change."""
    dataset = dataset_service.update(session, principal, dataset_id, body=body)
    return JSONBody(dataset_json(dataset))


@router.get("", response_model=DatasetList)
def list_datasets(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    tags: Annotated[list[str], Depends(tags_filter)],
    name: str | None = None,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """List datasets, newest first."""
    page = dataset_service.list(
        session, principal, params=params, name=name, tags=tags, include_archived=include_archived
    )
    return JSONBody(page.envelope([dataset_json(row[0]) for row in page.rows]))


@router.delete("/{dataset_id}", response_model=DeletedOut)
def delete_dataset(dataset_id: str, principal: PrincipalDep, session: WriteSessionDep) -> JSONBody:
    """Archive a dataset."""
    dataset_service.archive(session, principal, dataset_id)
    return deleted(dataset_id, "dataset")
