"""Every router of the HTTP API, in one list that the app factory mounts."""

from fastapi import APIRouter

from yardstick import health, unsupported
from yardstick.account_secret.endpoints import router as account_secret_router
from yardstick.agreement.endpoints import router as agreement_router
from yardstick.annotation.endpoints import router as annotation_router
from yardstick.compare.endpoints import router as comparison_router
from yardstick.credential.endpoints import router as credential_router
from yardstick.custom_function.endpoints import router as custom_function_router
from yardstick.dataset.endpoints import router as dataset_router
from yardstick.dataset_item.endpoints import router as dataset_item_router
from yardstick.evaluation.endpoints import router as evaluation_router
from yardstick.evaluation.query_endpoints import router as evaluation_query_router
from yardstick.evaluation.run_endpoints import router as run_control_router
from yardstick.evaluation_dashboard.endpoints import router as evaluation_dashboard_router
from yardstick.evaluation_group.endpoints import router as evaluation_group_router
from yardstick.evaluation_item.endpoints import router as evaluation_item_router
from yardstick.export.endpoints import sgp_router as export_router
from yardstick.export.endpoints import stream_router as download_router
from yardstick.file.endpoints import router as file_router
from yardstick.inference.endpoints import router as inference_router
from yardstick.inference_model.endpoints import router as inference_model_router
from yardstick.ops.endpoints import router as metrics_router
from yardstick.question.endpoints import router as question_router
from yardstick.rubric.endpoints import router as rubric_router
from yardstick.span.endpoints import router as span_router
from yardstick.span.otlp_endpoints import router as otlp_router
from yardstick.span_assessment.endpoints import router as span_assessment_router

ROUTERS: list[APIRouter] = [
    health.router,
    metrics_router,  # no auth, like health
    dataset_router,
    dataset_item_router,
    custom_function_router,  # before evaluation_router: `/tasks/dry-run` is not an evaluation id
    evaluation_query_router,  # filter, summary, schema, taxonomy
    agreement_router,  # GET /v5/evaluations/{id}/agreement
    evaluation_router,
    run_control_router,
    download_router,
    export_router,  # before evaluation_item_router: `export` is not an item id
    evaluation_item_router,
    question_router,
    inference_model_router,
    file_router,
    inference_router,
    credential_router,
    account_secret_router,
    comparison_router,
    evaluation_group_router,
    evaluation_dashboard_router,
    rubric_router,
    span_router,
    span_assessment_router,
    annotation_router,
    otlp_router,  # POST /v1/traces: OpenTelemetry's, not SGP's
    unsupported.router,
]
