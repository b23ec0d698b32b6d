"""The ORM tables; importing this package registers every table on `Base.metadata`."""

from yardstick.models.account import Account
from yardstick.models.account_secret import AccountSecret
from yardstick.models.annotation_task import AnnotationAnswer, AnnotationTask
from yardstick.models.api_key import ApiKey
from yardstick.models.base import Base
from yardstick.models.credential import Credential
from yardstick.models.dataset import Dataset
from yardstick.models.dataset_item import DatasetItemVersion
from yardstick.models.dataset_version_count import DatasetVersionCount
from yardstick.models.engine_worker import EngineWorker
from yardstick.models.evaluation import Evaluation, EvaluationDataset
from yardstick.models.evaluation_dashboard import (
    EvaluationDashboard,
    EvaluationDashboardWidget,
    EvaluationDashboardWidgetResult,
)
from yardstick.models.evaluation_group import (
    EvaluationGroup,
    EvaluationGroupMember,
    EvaluationGroupRowIdentifier,
)
from yardstick.models.evaluation_item import EvaluationItem
from yardstick.models.evaluation_kept_result import EvaluationKeptResult
from yardstick.models.evaluation_result_version import EvaluationResultVersion
from yardstick.models.file import File
from yardstick.models.idempotency_key import IdempotencyKey
from yardstick.models.inference_model import InferenceModel
from yardstick.models.master_key_check import MasterKeyCheck
from yardstick.models.question import Question
from yardstick.models.rubric import Rubric, RubricCriterionVersion, RubricVersion
from yardstick.models.run_trace import RunTraceEntry
from yardstick.models.span import Span, SpanMetadataValue
from yardstick.models.span_assessment import SpanAssessment
from yardstick.models.task_result import TaskResult

__all__ = [
    "Account",
    "AccountSecret",
    "AnnotationAnswer",
    "AnnotationTask",
    "ApiKey",
    "Base",
    "Credential",
    "Dataset",
    "DatasetItemVersion",
    "DatasetVersionCount",
    "EngineWorker",
    "Evaluation",
    "EvaluationDashboard",
    "EvaluationDashboardWidget",
    "EvaluationDashboardWidgetResult",
    "EvaluationDataset",
    "EvaluationGroup",
    "EvaluationGroupMember",
    "EvaluationGroupRowIdentifier",
    "EvaluationItem",
    "EvaluationKeptResult",
    "EvaluationResultVersion",
    "File",
    "IdempotencyKey",
    "InferenceModel",
    "MasterKeyCheck",
    "Question",
    "Rubric",
    "RubricCriterionVersion",
    "RubricVersion",
    "RunTraceEntry",
    "Span",
    "SpanAssessment",
    "SpanMetadataValue",
    "TaskResult",
]
