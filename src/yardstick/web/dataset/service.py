"""What the dataset pages show, from the API's dataset services and this feature's SQL.

Datasets and their items are read through `dataset_service` and `dataset_item_service` with the
signed-in Principal, so another account's dataset is NotFound (the 404 page) exactly as for the
API, and a version's items are the API's own keyset pages. The diff of two versions is this
feature's repository (see its docstring).
"""

import re
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset.service import dataset_service
from yardstick.dataset_item.service import dataset_item_service
from yardstick.errors import BadRequest, Unprocessable
from yardstick.kit.pagination import PageParams
from yardstick.models import Dataset, Evaluation
from yardstick.web.dataset.repository import KINDS, DiffKind, dataset_page_repository
from yardstick.web.diff import WordDiff, as_text, word_diff
from yardstick.web.evaluation.service import CellView, clip

EVALUATIONS_SHOWN = 20
_DIFF = re.compile(r"^\s*(\d{1,9})\s*\.\.\s*(\d{1,9})\s*$")


@dataclass(frozen=True)
class DatasetList:
    rows: list[Dataset]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class ItemsPage:
    version: int
    keys: list[str]
    rows: list[tuple[str, list[CellView]]]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class FieldChange:
    field: str
    change: str  # added | removed | changed
    diff: WordDiff


@dataclass(frozen=True)
class DiffRow:
    item_id: str
    kind: DiffKind
    fields: list[FieldChange]  # changed items: the fields that differ
    data: list[tuple[str, CellView]]  # added and removed items: their data


@dataclass(frozen=True)
class VersionDiff:
    old: int
    new: int
    kind: DiffKind | None
    counts: dict[DiffKind, int]
    rows: list[DiffRow]
    next_cursor: str | None


def parse_diff(text: str, current: int) -> tuple[int, int]:
    """`V1..V2`, two versions of the dataset, the older first."""
    found = _DIFF.match(text)
    if found is None:
        raise Unprocessable(["query", "diff"], "write two versions as V1..V2, e.g. 1..2")
    old, new = int(found.group(1)), int(found.group(2))
    for version in (old, new):
        if not 1 <= version <= current:
            raise Unprocessable(
                ["query", "diff"], f"version {version} does not exist: versions are 1 to {current}"
            )
    if old >= new:
        raise Unprocessable(["query", "diff"], "the first version must be older than the second")
    return old, new


def _loads(text: str | None) -> dict[str, Any]:
    data = orjson.loads(text) if text else {}
    return data if isinstance(data, dict) else {"data": data}


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The fields whose values differ, in the old item's order then the new fields."""
    out = []
    for key in list(old) + [k for k in new if k not in old]:
        if key not in new:
            out.append(FieldChange(key, "removed", word_diff(as_text(old[key]), "")))
        elif key not in old:
            out.append(FieldChange(key, "added", word_diff("", as_text(new[key]))))
        elif _json(old[key]) != _json(new[key]):  # as the content hash: 2 is not 2.0, nor 1 true
            out.append(FieldChange(key, "changed", word_diff(as_text(old[key]), as_text(new[key]))))
    return out


class DatasetPageService:
    def datasets(
        self, session: Session, principal: Principal, *, name: str, after: str, limit: int
    ) -> DatasetList:
        try:
            page = dataset_service.list(
                session,
                principal,
                params=PageParams(limit, after or None, None, "desc"),
                name=name or None,
                tags=[],
                include_archived=False,
            )
        except BadRequest as exc:
            raise Unprocessable(["query", "after"], str(exc.detail)) from exc
        rows: list[Dataset] = [row[0] for row in page.rows]
        following = rows[-1].id if rows and page.has_more else None
        return DatasetList(rows, page.total, following)

    def get(self, session: Session, principal: Principal, dataset_id: str) -> Dataset:
        return dataset_service.get(session, principal, dataset_id)

    def version(self, dataset: Dataset, version: int | None) -> int:
        if version is None:
            return dataset.current_version_num
        if not 1 <= version <= dataset.current_version_num:
            raise Unprocessable(
                ["query", "version"],
                f"version {version} does not exist: versions are 1 to "
                f"{dataset.current_version_num}",
            )
        return version

    def items(
        self,
        session: Session,
        principal: Principal,
        dataset: Dataset,
        *,
        version: int,
        after: str,
        limit: int,
    ) -> ItemsPage:
        try:
            page = dataset_item_service.list(
                session,
                principal,
                params=PageParams(limit, after or None, None, "asc"),
                dataset_id=dataset.id,
                # The current version reads the current rows (the API's fast path and count).
                version=None if version == dataset.current_version_num else version,
                include_archived=False,
            )
        except BadRequest as exc:
            raise Unprocessable(["query", "after"], str(exc.detail)) from exc
        parsed = [(row.item_id, _loads(row.data)) for row in page.rows]
        keys: list[str] = []
        for _, data in parsed:
            keys.extend(key for key in data if key not in keys)
        rows = [(item_id, [clip(data.get(key)) for key in keys]) for item_id, data in parsed]
        following = parsed[-1][0] if parsed and page.has_more else None
        return ItemsPage(version, keys, rows, page.total, following)

    def diff(
        self,
        session: Session,
        principal: Principal,
        dataset: Dataset,
        *,
        old: int,
        new: int,
        kind: DiffKind | None,
        after: str,
        limit: int,
    ) -> VersionDiff:
        account = principal.account_id
        counts = dataset_page_repository.diff_counts(
            session, account_id=account, dataset_id=dataset.id, old=old, new=new
        )
        found = dataset_page_repository.diff_page(
            session,
            account_id=account,
            dataset_id=dataset.id,
            old=old,
            new=new,
            kinds=[kind] if kind else KINDS,
            after_id=after or None,
            limit=limit + 1,
        )
        more = len(found) > limit
        rows = []
        for item_id, found_kind, before, now in found[:limit]:
            if found_kind == "changed":
                rows.append(
                    DiffRow(item_id, found_kind, field_changes(_loads(before), _loads(now)), [])
                )
            else:
                data = _loads(now if found_kind == "added" else before)
                rows.append(
                    DiffRow(item_id, found_kind, [], [(k, clip(v)) for k, v in data.items()])
                )
        following = rows[-1].item_id if rows and more else None
        return VersionDiff(old, new, kind, counts, rows, following)

    def evaluations(
        self, session: Session, principal: Principal, dataset: Dataset
    ) -> list[tuple[Evaluation, int]]:
        return dataset_page_repository.evaluations_of(
            session,
            account_id=principal.account_id,
            dataset_id=dataset.id,
            limit=EVALUATIONS_SHOWN,
        )


dataset_page_service = DatasetPageService()
