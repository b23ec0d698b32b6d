"""`/v5/spans`: write spans one by one or in batches, read, update and search them."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from yardstick.auth.dependencies import PrincipalDep
from yardstick.auth.service import Principal
from yardstick.db.group_commit import GroupCommit
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import JSONBody
from yardstick.span import route_writes
from yardstick.span.rules import batch_loc, single_loc
from yardstick.span.schemas import (
    SpanBatch,
    SpanIn,
    SpanList,
    SpanOut,
    SpanPage,
    SpanSearch,
    SpanUpdate,
    Timestamp,
    span_json,
    span_list_json,
)
from yardstick.span.service import span_service

router = APIRouter(prefix="/v5/spans", tags=["spans"], route_class=OrjsonRoute)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such span in this account"}}
_CONFLICT: Responses = {
    409: {
        "description": "An id already stored (insert-only) or given twice, a span moved to "
        "another trace, a parent in another trace, or a cycle of parents "
        "(x-should-retry: false)"
    }
}


@router.post("", response_model=SpanOut, responses=_CONFLICT)
def create_span(body: SpanIn, principal: PrincipalDep, session: WriteSessionDep) -> JSONBody:
    """Create one span; without `id`, a new UUID is given."""
    spans = span_service.write(
        session, principal, [body.to_write()], upsert=False, locate=single_loc
    )
    return JSONBody(span_json(spans[0]))


async def _write_batch(
    request: Request, principal: Principal, body: SpanBatch, *, upsert: bool
) -> JSONBody:
    """The batch routes' write, committed with other requests' (yardstick.db.group_commit):
    tracing libraries send many small batches at once."""
    writes = [item.to_write() for item in body.items]
    batch = span_service.prepare(principal, writes, upsert=upsert, locate=batch_loc)
    store = partial(route_writes.write_batch, batch, upsert)
    stored = await GroupCommit.of(request).run(request, store)
    return JSONBody(span_list_json(stored.spans(batch)))


@router.post("/batch", response_model=SpanList, responses=_CONFLICT)
async def create_spans(request: Request, body: SpanBatch, principal: PrincipalDep) -> JSONBody:
    """Create up to 1000 spans, all or none; an id already stored is a 409."""
    return await _write_batch(request, principal, body, upsert=False)


@router.put("/batch", response_model=SpanList, responses=_CONFLICT)
async def upsert_spans(request: Request, body: SpanBatch, principal: PrincipalDep) -> JSONBody:
    """Create or replace up to 1000 spans by id; a completed span is never replaced by an
    in-progress one. Answers one span per id, as stored."""
    return await _write_batch(request, principal, body, upsert=True)


@router.post(
    "/search",
    response_model=SpanPage,
    responses={400: {"description": "An unknown pagination cursor"}},
)
def search_spans(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    body: SpanSearch | None = None,
    from_ts: Annotated[
        Timestamp | None, Query(description="Spans that started at or after this time")
    ] = None,
    to_ts: Annotated[
        Timestamp | None, Query(description="Spans that started at or before this time")
    ] = None,
    allow_partial_results: Annotated[
        bool, Query(description="Accepted; pages here are always complete")
    ] = False,
) -> JSONBody:
    """Search the account's spans, newest first (by `start_timestamp`, then id), or by
    `sort_by` `duration_ms`, `input_tokens` or `output_tokens` (none counts as 0)."""
    page = span_service.search(
        session,
        principal,
        body or SpanSearch(),
        params=params,
        from_ts=from_ts,
        to_ts=to_ts,
    )
    return JSONBody(
        {
            "object": "list",
            "items": [span_json(span) for span in page.spans],
            "has_more": page.has_more,
            "limit": params.limit,
        }
    )


@router.get("/{span_id}", response_model=SpanOut, responses=_NOT_FOUND)
def get_span(span_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a span."""
    return JSONBody(span_json(span_service.get(session, principal, span_id)))


@router.patch("/{span_id}", response_model=SpanOut, responses={**_NOT_FOUND, **_CONFLICT})
def update_span(
    span_id: str, body: SpanUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Change a span's name, end, output, metadata or status; `null` leaves a field as it is."""
    return JSONBody(span_json(span_service.update(session, principal, span_id, changes=body)))
