from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from yardstick.auth.dependencies import PrincipalDep
from yardstick.dataset_item import pages
from yardstick.dataset_item.schemas import (
    DatasetItemBatchCreate,
    DatasetItemBatchOut,
    DatasetItemList,
    DatasetItemOut,
    DatasetItemUpdate,
    batch_json,
    item_json,
)
from yardstick.dataset_item.service import dataset_item_service
from yardstick.db.session import ReadSessionDep, WriteSessionDep, write_transaction
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import RowOrder
from yardstick.kit.responses import DeletedOut, JSONBody, RawJSON, deleted

router = APIRouter(prefix="/v5/dataset-items", tags=["dataset items"], route_class=OrjsonRoute)

Version = Annotated[int | None, Query(ge=1, description="Dataset version; absent = latest")]
IncludeArchived = Annotated[bool, Query(description="Include deleted items")]


@router.post("/batch", response_model=DatasetItemBatchOut)
async def batch_create_dataset_items(
    request: Request, body: DatasetItemBatchCreate, principal: PrincipalDep
) -> RawJSON:
    """Add items to a dataset as one new version; items come back in input order."""

    # The write session is opened here, so the request takes one trip through the thread pool
    # instead of three (the session dependency's enter and exit are one each).
    def create() -> bytes:
        with write_transaction(request) as session:
            new = dataset_item_service.batch_create(
                session, principal, dataset_id=body.dataset_id, rows=body.data, files=body.files
            )
        return batch_json(new)

    return RawJSON(await run_in_threadpool(create))


@router.get("/{dataset_item_id}", response_model=DatasetItemOut)
def get_dataset_item(
    dataset_item_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    version: Version = None,
    include_archived: IncludeArchived = False,
) -> RawJSON:
    """Retrieve an item, as it is now or as it was at `version`."""
    return RawJSON(
        pages.retrieve(
            session,
            principal,
            dataset_item_id,
            version=version,
            include_archived=include_archived,
        )
    )


@router.patch("/{dataset_item_id}", response_model=DatasetItemOut)
def update_dataset_item(
    dataset_item_id: str, body: DatasetItemUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Replace an item's data; makes a new dataset version."""
    item = dataset_item_service.update(
        session, principal, dataset_item_id, data=body.data, files=body.files
    )
    return JSONBody(item_json(item))


@router.get("", response_model=DatasetItemList)
async def list_dataset_items(
    request: Request,
    principal: PrincipalDep,
    params: RowOrder,
    dataset_id: str | None = None,
    version: Version = None,
    include_archived: IncludeArchived = False,
) -> RawJSON:
    """List items in row order, of one dataset (optionally at a version) or of all datasets."""

    # The hot read path (a client pages through 100k items): the read session is opened here, so
    # the request takes one trip through the thread pool instead of three (the session
    # dependency's enter and exit are one each): -0.4 ms of a ~4.5 ms page, measured.
    def render() -> bytes:
        with request.app.state.sessions.read() as session:
            return pages.list_page(
                session,
                principal,
                params=params,
                dataset_id=dataset_id,
                version=version,
                include_archived=include_archived,
            )

    return RawJSON(await run_in_threadpool(render))


@router.delete("/{dataset_item_id}", response_model=DeletedOut)
def delete_dataset_item(
    dataset_item_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Archive an item; makes a new dataset version. Archiving it again is a 409."""
    dataset_item_service.delete(session, principal, dataset_item_id)
    return deleted(dataset_item_id, "dataset.item")
