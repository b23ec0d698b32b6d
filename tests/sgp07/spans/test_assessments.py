"""`client.span_assessments` of scale-gp-beta 0.7.0: its five methods and their errors."""

import uuid

import pytest
from scale_gp_beta import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    SGPClient,
    UnprocessableEntityError,
)
from scale_gp_beta.types import SpanAssessment

from tests.sgp07.helpers import assert_final_conflict, error_locs, raw
from tests.span.factories import span


def test_lifecycle(client: SGPClient, other_client: SGPClient) -> None:
    trace = str(uuid.uuid4())
    root, child = span(trace), span(trace)
    child["parent_id"] = root["id"]
    client.spans.upsert_batch(items=[root, child])  # type: ignore[list-item]

    rating = client.span_assessments.create(
        assessment_type="rating", rating=5, comment="spot on", trace_id=trace
    )
    assert isinstance(rating, SpanAssessment) and rating.object == "span.assessment"
    assert (rating.span_id, rating.trace_id, rating.rating) == (root["id"], trace, 5)
    assert rating.created_by and rating.created_at and rating.account_id
    rubric = client.span_assessments.create(
        assessment_type="rubric", rubric={"grounded": "yes"}, trace_id=trace, span_id=child["id"]
    )
    overwrite = client.span_assessments.create(
        assessment_type="overwrite", overwrite={"answer": "42"}, trace_id=trace, span_id=child["id"]
    )
    metadata = client.span_assessments.create(
        assessment_type="metadata", metadata={"minutes": 2}, trace_id=trace, span_id=child["id"]
    )

    assert client.span_assessments.retrieve(rating.assessment_id, x_project_id="p") == rating
    listed = client.span_assessments.list(trace_id=trace)
    assert [a.assessment_id for a in listed] == [
        rating.assessment_id,
        rubric.assessment_id,
        overwrite.assessment_id,
        metadata.assessment_id,
    ]
    by_span = client.span_assessments.list(span_id=child["id"], assessment_type="rubric")
    assert [a.assessment_id for a in by_span] == [rubric.assessment_id]

    changed = client.span_assessments.update(
        rating.assessment_id, rating=3, comment="on reflection"
    )
    assert (changed.rating, changed.comment) == (3, "on reflection")
    gone = client.span_assessments.delete(metadata.assessment_id)
    assert (gone.id, gone.deleted, gone.object) == (metadata.assessment_id, True, "span.assessment")
    with pytest.raises(NotFoundError):
        client.span_assessments.retrieve(metadata.assessment_id)
    with pytest.raises(NotFoundError):
        other_client.span_assessments.retrieve(rating.assessment_id)
    assert list(other_client.span_assessments.list(trace_id=trace)) == []


def test_errors(client: SGPClient) -> None:
    trace = str(uuid.uuid4())
    only = span(trace)
    client.spans.upsert_batch(items=[only])  # type: ignore[list-item]

    with pytest.raises(UnprocessableEntityError) as missing:
        client.span_assessments.create(assessment_type="approval", trace_id=trace)
    assert error_locs(missing.value) == [["body", "approval"]]
    with pytest.raises(UnprocessableEntityError) as extra:
        client.span_assessments.create(
            assessment_type="comment", comment="x", rating=2, trace_id=trace
        )
    assert error_locs(extra.value) == [["body", "rating"]]
    # It read "only 'comment' and 'comment' are".
    assert extra.value.body["detail"][0]["msg"] == (  # type: ignore[index]
        "not allowed with assessment_type 'comment': only 'comment' is"
    )
    with pytest.raises(NotFoundError):
        client.span_assessments.create(assessment_type="comment", comment="x", trace_id="nope")
    client.span_assessments.create(assessment_type="overwrite", overwrite={}, trace_id=trace)
    with pytest.raises(ConflictError) as second:
        client.span_assessments.create(assessment_type="overwrite", overwrite={}, trace_id=trace)
    assert_final_conflict(second.value)
    with pytest.raises(BadRequestError):
        client.span_assessments.list()
    with raw(client) as http:
        assert http.get("/v5/span-assessments", params={"span_id": only["id"]}).status_code == 200
