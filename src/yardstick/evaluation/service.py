"""Rules for evaluations: the three create shapes, task validation, status, archive.

A create writes the evaluation, its links to datasets and every input row in one transaction
with bulk inserts (no per-row round trips), so 100k rows land in seconds. Results are not
written here: each (item, alias) cell is written by the engine as it finishes.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from yardstick.annotation.queues import check_reviewers, create_tasks
from yardstick.auth.service import Principal
from yardstick.dataset.schemas import DatasetCreate
from yardstick.dataset.service import dataset_service
from yardstick.db.types import utcnow
from yardstick.errors import Conflict, Unprocessable
from yardstick.evaluation.estimate import estimate
from yardstick.evaluation.prefill import prefilled_cells
from yardstick.evaluation.repository import evaluation_repository
from yardstick.evaluation.schemas import EvaluationCreate, EvaluationUpdate
from yardstick.evaluation_group.repository import evaluation_group_repository
from yardstick.execution.enqueue import enqueue_run
from yardstick.file.refs import check_file_ids, check_file_maps
from yardstick.ids import new_id, new_ids
from yardstick.inference_model.service import resolve_registered_model
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.patch import apply_update, merge_patch, restore, wants_restore
from yardstick.models import Dataset, Evaluation
from yardstick.ops.runs import run_cancelled
from yardstick.provider import ProviderError, get_providers, wants_registered
from yardstick.question.repository import question_repository
from yardstick.rubric.service import rubric_service
from yardstick.rubric.snapshot import RubricRefusal, RubricSnapshot
from yardstick.task.spec import is_executable, normalize_tasks
from yardstick.task.validation import ValidationContext


@dataclass
class InputRow:
    data: str
    keys: list[str]
    dataset_item_id: str | None = None
    dataset_item_version_num: int | None = None
    files: dict[str, str] | None = None


# `sort_by` values an evaluation list accepts besides the default (creation order).
SORTABLE = {"updated_at": Evaluation.updated_at, "name": Evaluation.name}


@dataclass(frozen=True)
class _Item:
    item_id: str
    row: InputRow
    repeat: int
    row_item_id: str | None


def _items(rows: builtins.list[InputRow], repeats: int) -> builtins.list[_Item]:
    """Each row's `repeats` items, adjacent and in row order (ids increase, so items list a row's
    repeats together); with one repeat, items as before: no row id."""
    ids = iter(new_ids(len(rows) * repeats))
    items: builtins.list[_Item] = []
    for row in rows:
        first = next(ids)
        row_item_id = first if repeats > 1 else None
        items.append(_Item(first, row, 0, row_item_id))
        items.extend(_Item(next(ids), row, repeat, row_item_id) for repeat in range(1, repeats))
    return items


class EvaluationService:
    def create(
        self, session: Session, principal: Principal, *, body: EvaluationCreate
    ) -> Evaluation:
        now = utcnow()
        evaluation_id = new_id()
        rows, tasks, source = self._validated(session, principal, body)
        if body.dataset is not None and body.dataset_id is None:
            source = self._dataset_from_rows(session, principal, body, rows)
        running = bool(rows) and any(is_executable(task) for task in tasks)
        evaluation = Evaluation(
            id=evaluation_id,
            account_id=principal.account_id,
            name=body.name,
            description=body.description,
            tags=body.tags,
            status="running" if running else "completed",
            tasks=tasks,
            item_count=len(rows) * body.repeats,
            repeats=body.repeats,
            metadata_=body.metadata or {},
            taxonomy=body.taxonomy_params,
            skip_prefilled_rows=body.skip_prefilled_rows,
            max_cost_usd=body.max_cost_usd,
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(evaluation)
        session.flush()
        if source is not None:
            evaluation_repository.link_dataset(
                session,
                evaluation_id=evaluation_id,
                dataset_id=source.id,
                version=source.current_version_num,
            )
        items = _items(rows, body.repeats)
        item_ids = [item.item_id for item in items]
        evaluation_repository.insert_items(
            session,
            [
                (
                    item.item_id,
                    principal.account_id,
                    evaluation_id,
                    item.row.data,
                    item.row.dataset_item_id,
                    item.row.dataset_item_version_num,
                    item.row.files,
                    now,
                    item.repeat,
                    item.row_item_id,
                )
                for item in items
            ],
        )
        prefilled_cells(
            session,
            evaluation_id=evaluation_id,
            tasks=tasks,
            items=[(item.item_id, item.row.data) for item in items],
            now=now,
        )
        create_tasks(session, evaluation, item_ids, now)
        if running:
            enqueue_run(session, evaluation_id=evaluation_id, item_ids=item_ids)
        session.flush()
        return evaluation

    def dry_run(
        self, session: Session, principal: Principal, *, body: EvaluationCreate
    ) -> dict[str, Any]:
        """What creating the evaluation would call and cost (see estimate.py); writes nothing."""
        rows, tasks, _ = self._validated(session, principal, body)
        texts = [row.data for row in rows for _ in range(body.repeats)]
        return estimate(session, principal, tasks=tasks, rows=texts)

    def _validated(
        self, session: Session, principal: Principal, body: EvaluationCreate
    ) -> tuple[list[InputRow], list[dict[str, Any]], Dataset | None]:
        """The create's rows, its normalised tasks and the dataset it reads, all checked."""
        source: Dataset | None = None
        if body.dataset_id is not None:
            if body.files is not None:
                raise Unprocessable(
                    ["body", "files"],
                    "not with dataset_id: rows take the files of their dataset items",
                )
            source = dataset_service.get(session, principal, body.dataset_id)
            rows = self._rows_from_dataset(session, principal, source, body.data)
            # A file deleted since its item attached it: new rows can no longer attach it.
            check_file_ids(
                session,
                account_id=principal.account_id,
                entries=[
                    (
                        ["body", "dataset_id", row.dataset_item_id or ""]
                        if body.data is None
                        else ["body", "data", index],
                        row.files,
                    )
                    for index, row in enumerate(rows)
                    if row.files
                ],
            )
        else:
            if body.data is None:
                raise Unprocessable(["body", "data"], "field required (or give dataset_id)")
            if not body.data:
                raise Unprocessable(["body", "data"], "must hold at least one row")
            rows = [self._input_row(data, ["body", "data", i]) for i, data in enumerate(body.data)]
            files = check_file_maps(
                session,
                account_id=principal.account_id,
                files=body.files,
                rows=len(rows),
                loc=["body", "files"],
            )
            for row, row_files in zip(rows, files, strict=True):
                row.files = row_files

        input_keys = {key for row in rows for key in row.keys}
        tasks = normalize_tasks(
            body.tasks, input_keys=input_keys, ctx=self.validation_context(session, principal)
        )
        check_reviewers(tasks, None, lambda index: ["body", "tasks", index])
        return rows, tasks, source

    def get(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        include_archived: bool = False,
        for_update: bool = False,
    ) -> Evaluation:
        return evaluation_repository.require(
            session,
            account_id=principal.account_id,
            row_id=evaluation_id,
            include_archived=include_archived,
            for_update=for_update,
        )

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        name: str | None,
        tags: list[str],
        include_archived: bool,
    ) -> Page:
        stmt = evaluation_repository.list_stmt(
            session,
            account_id=principal.account_id,
            name=name,
            tags=tags,
            include_archived=include_archived,
        )
        return paginate(
            session,
            stmt,
            key=Evaluation.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=evaluation_repository.cursor_check(session, principal.account_id),
        )

    def datasets_of(
        self, session: Session, evaluations: builtins.list[Evaluation]
    ) -> dict[str, builtins.list[Dataset]]:
        return evaluation_repository.datasets_of(session, [e.id for e in evaluations])

    def update(
        self, session: Session, principal: Principal, evaluation_id: str, *, body: EvaluationUpdate
    ) -> Evaluation:
        """A partial update of a live evaluation, or a restore (`{"restore": true}`). The row is
        locked first: on PostgreSQL, concurrent metadata patches each merged into the same old
        read, and all but the last one's keys were lost."""
        evaluation = self.get(
            session, principal, evaluation_id, include_archived=True, for_update=True
        )
        if wants_restore(body):
            # Items read `archived_at` from their evaluation, so they come back with it.
            restore(evaluation)
        elif evaluation.archived_at is not None:
            raise Conflict(
                f"evaluation {evaluation_id!r} is archived: restore it before changing it"
            )
        else:
            apply_update(evaluation, body, exclude={"restore", "metadata"})
            if "metadata" in body.model_fields_set:
                evaluation.metadata_ = merge_patch(evaluation.metadata_ or {}, body.metadata or {})
                evaluation.updated_at = utcnow()
        session.flush()
        return evaluation

    def archive(self, session: Session, principal: Principal, evaluation_id: str) -> Evaluation:
        """Archive the evaluation and, with it, its items (they read `archived_at` from it).

        A running evaluation stops: its chunks check `archived_at` between cells. The row is
        locked first, as the run changes lock it: on PostgreSQL an archive racing a task change
        read the run as finished, and the new run was left `running` with its chunks stopped.
        """
        evaluation = self.get(
            session, principal, evaluation_id, include_archived=True, for_update=True
        )
        if evaluation.archived_at is None:
            evaluation.archived_at = utcnow()
            if evaluation.status == "running":  # never `running` with nothing left to run
                evaluation.status = "failed"
                evaluation.status_reason = "archived while running"
                run_cancelled(session, evaluation, key_id=principal.user_id)
            evaluation_group_repository.end_memberships(
                session, evaluation_id=evaluation.id, at=evaluation.archived_at
            )
            session.flush()
        return evaluation

    @staticmethod
    def _input_row(data: dict[str, Any], loc: builtins.list[str | int]) -> InputRow:
        try:
            text = orjson.dumps(data).decode()
        except orjson.JSONEncodeError as exc:
            raise Unprocessable(loc, f"cannot be stored as JSON: {exc}") from exc
        return InputRow(data=text, keys=list(data))

    def _rows_from_dataset(
        self,
        session: Session,
        principal: Principal,
        dataset: Dataset,
        entries: builtins.list[dict[str, Any]] | None,
    ) -> builtins.list[InputRow]:
        """Rows pinned to the dataset's current version: every live item, or the referenced ones."""
        version = dataset.current_version_num
        if entries is None:
            live = evaluation_repository.dataset_rows(
                session, account_id=principal.account_id, dataset_id=dataset.id, version=version
            )
            return [
                InputRow(text, list(orjson.loads(text)), item_id, version, files)
                for item_id, text, files in live
            ]
        if not entries:  # as for the other shapes: an evaluation of no rows is a mistake
            raise Unprocessable(["body", "data"], "must hold at least one row (or leave it out)")
        item_ids: list[str] = []
        for index, entry in enumerate(entries):
            item_id = entry.get("dataset_item_id")
            if not isinstance(item_id, str) or not item_id:
                raise Unprocessable(
                    ["body", "data", index, "dataset_item_id"], "field required (a dataset item id)"
                )
            item_ids.append(item_id)
        found = {
            item_id: (text, files)
            for item_id, text, files in evaluation_repository.dataset_rows(
                session,
                account_id=principal.account_id,
                dataset_id=dataset.id,
                version=version,
                item_ids=item_ids,
            )
        }
        rows = []
        for index, (item_id, entry) in enumerate(zip(item_ids, entries, strict=True)):
            if item_id not in found:
                raise Unprocessable(
                    ["body", "data", index, "dataset_item_id"],
                    f"dataset item {item_id!r} is not a live item of dataset {dataset.id!r}",
                )
            text, files = found[item_id]
            data = orjson.loads(text)
            extra = {key: value for key, value in entry.items() if key != "dataset_item_id"}
            if extra:
                data = {**data, **extra} if isinstance(data, dict) else extra
                row = self._input_row(data, ["body", "data", index])
            else:
                row = InputRow(text, list(data) if isinstance(data, dict) else [])
            row.dataset_item_id, row.dataset_item_version_num, row.files = item_id, version, files
            rows.append(row)
        return rows

    @staticmethod
    def _dataset_from_rows(
        session: Session,
        principal: Principal,
        body: EvaluationCreate,
        rows: builtins.list[InputRow],
    ) -> Dataset:
        """The WithDataset shape: a new dataset (version 1) from the rows projected to `keys`."""
        assert body.dataset is not None and body.data is not None
        keys = body.dataset.keys
        projected = [
            row if keys is None else {key: row[key] for key in keys if key in row}
            for row in body.data
        ]
        dataset, items = dataset_service.create(
            session,
            principal,
            body=DatasetCreate.model_construct(
                name=body.dataset.name,
                description=body.dataset.description,
                tags=body.dataset.tags,
                data=projected,
                files=body.files,
            ),
        )
        for row, item_id in zip(rows, items.ids, strict=True):
            row.dataset_item_id, row.dataset_item_version_num = item_id, 1
        return dataset

    @staticmethod
    def validation_context(session: Session, principal: Principal) -> ValidationContext:
        def question_problem(question_id: str) -> str | None:
            question = question_repository.get(
                session, account_id=principal.account_id, row_id=question_id
            )
            if question is None:
                return f"question {question_id!r} not found"
            if question.archived_at is not None:
                # New tasks may not use an archived question; running ones keep theirs.
                return f"question {question_id!r} is archived; restore it to use it"
            return None

        def model_problem(model: str) -> str | None:
            registered = (
                resolve_registered_model(session, principal.account_id, model)
                if wants_registered(model)
                else None
            )
            try:
                get_providers().check(model, registered)
            except ProviderError as exc:
                return exc.message
            return None

        def rubric(rubric_id: str, version: int | None) -> RubricSnapshot | RubricRefusal:
            return rubric_service.snapshot(session, principal, rubric_id, version)

        return ValidationContext(
            question_problem=question_problem, model_problem=model_problem, rubric=rubric
        )


evaluation_service = EvaluationService()
