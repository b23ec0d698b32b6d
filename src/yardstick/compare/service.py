"""`POST /v5/comparisons`: is the candidate better than the baseline, alias by alias, and where is
it worse?

Pairs come from compare/pairing.py, aligned values from compare/cells.py, the tests from
compare/statistics.py; this module decides what each alias is (binary, numeric, categorical),
what may make the two runs incomparable (the warnings), and assembles the answer. An errored
cell is missing data on its side: the pair leaves that alias's test and is counted in
`errored`, never read as a fail or a zero.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.compare import statistics
from yardstick.compare.cells import AliasCells, FloatArray, load, result_aliases
from yardstick.compare.pairing import Pairing, pair
from yardstick.compare.schemas import ComparisonRequest, Kind
from yardstick.errors import NotFound, Unprocessable
from yardstick.evaluation.consistency import Consistency, consistency
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation_group.repository import evaluation_group_repository
from yardstick.models import Evaluation, EvaluationDataset, TaskResult

# The bootstrap's seed: the same comparison gives the same interval every time.
SEED = 0
# A categorical alias with more distinct values than this among its pairs is free text (a chat
# answer, say), and is not tested: one test per value would be meaningless, and would weaken the
# Holm adjustment of every other alias of the comparison. The limit is the smaller of
# MAX_CATEGORIES and half the pairs, but never under MIN_CATEGORIES.
MAX_CATEGORIES = 20
MIN_CATEGORIES = 5
# The figures of a metric that can pass a double's range, on values near its maximum.
_FIGURES = ("baseline_mean", "candidate_mean", "delta", "ci_low", "ci_high", "mde")


def free_text(distinct: int, pairs: int) -> bool:
    return distinct > min(MAX_CATEGORIES, max(MIN_CATEGORIES, pairs // 2))


@dataclass(frozen=True)
class _Values:
    """One alias ready for its test: aligned values with a result on both sides."""

    kind: Kind
    baseline: FloatArray
    candidate: FloatArray
    item_ids: list[str]  # the candidate's items, for the most changed lists
    labels: list[str] | None  # categorical: code -> value
    flaky_in_baseline: frozenset[str]  # of item_ids: rows whose baseline repeats disagreed
    # Pairs left out with a result on both sides, one of them of another type than the alias's
    # (a boolean or a string beside numbers): counted so that none is dropped silently.
    other_type: int = 0


class ComparisonService:
    def compare(
        self, session: Session, principal: Principal, request: ComparisonRequest
    ) -> dict[str, Any]:
        if request.evaluation_group_id is not None:
            return self._compare_group(session, principal, request, request.evaluation_group_id)
        assert request.baseline_evaluation_id and request.candidate_evaluation_id  # validated
        return self._compare_two(
            session,
            principal,
            request,
            request.baseline_evaluation_id,
            request.candidate_evaluation_id,
            row_identifiers=None,
        )

    def _compare_group(
        self, session: Session, principal: Principal, request: ComparisonRequest, group_id: str
    ) -> dict[str, Any]:
        group = evaluation_group_repository.require(
            session, account_id=principal.account_id, row_id=group_id
        )
        if group.deleted_at is not None:  # as for GET: a deleted group is gone
            raise NotFound("evaluation group", group_id)
        members = evaluation_group_repository.live_member_evaluations(session, group.id)
        if len(members) < 2:
            raise Unprocessable(
                ["body", "evaluation_group_id"],
                f"the group has {len(members)} live member(s); a comparison needs two",
            )
        identifiers = {
            row.evaluation_id: row.column_name
            for row in evaluation_group_repository.row_identifiers_of(session, [group])[group.id]
        }
        baseline, *candidates = members
        comparisons = []
        for candidate in candidates:
            try:
                comparisons.append(
                    self._compare_two(
                        session,
                        principal,
                        request,
                        baseline,
                        candidate,
                        row_identifiers=identifiers,
                    )
                )
            except Unprocessable as exc:
                # One member the baseline cannot be compared with fails the group's comparison:
                # say which (the 422 said only what, of a group of many).
                which = f"member {candidate!r} against the baseline {baseline!r}: "
                exc.detail = [{**problem, "msg": which + problem["msg"]} for problem in exc.detail]
                raise
        return {
            "object": "comparison_list",
            "evaluation_group_id": group.id,
            "comparisons": comparisons,
        }

    def _compare_two(
        self,
        session: Session,
        principal: Principal,
        request: ComparisonRequest,
        baseline_id: str,
        candidate_id: str,
        *,
        row_identifiers: dict[str, str] | None,
    ) -> dict[str, Any]:
        if baseline_id == candidate_id:
            raise Unprocessable(
                ["body", "candidate_evaluation_id"],
                "the candidate is the baseline: compare an evaluation with another one",
            )
        baseline = evaluation_service.get(session, principal, baseline_id, include_archived=True)
        candidate = evaluation_service.get(session, principal, candidate_id, include_archived=True)
        aliases = _aliases(session, request, baseline, candidate)
        pairing = pair(
            session,
            baseline.id,
            candidate.id,
            pair_by=request.pair_by,
            row_identifiers=row_identifiers,
        )
        if not pairing.baseline_items:
            raise Unprocessable(
                ["body", "pair_by"] if request.pair_by else ["body"],
                f"no item of the baseline pairs with an item of the candidate (paired by "
                f"{pairing.by}): {pairing.baseline_only} baseline and "
                f"{pairing.candidate_only} candidate items are unpaired",
            )
        cells = load(
            session,
            aliases,
            baseline=baseline,
            candidate=candidate,
            baseline_items=pairing.baseline_items,
            candidate_items=pairing.candidate_items,
        )
        warnings = _warnings(session, baseline, candidate, aliases, pairing, cells)
        tested: list[tuple[str, _Values, statistics.PairedResult]] = []
        empty: list[str] = []  # no pair with a result on both sides
        untested: list[str] = []  # free text
        for alias in aliases:
            values = _values(cells[alias], pairing.candidate_items)
            if values.other_type:
                warnings.append(
                    _warning(
                        "mixed_types",
                        f"{alias!r} has {values.other_type} pairs with a result on both sides "
                        "where one is of another type than the alias's (a boolean or a string "
                        "beside numbers): those pairs are left out of its test",
                    )
                )
            if not values.item_ids:
                empty.append(alias)
                continue
            if values.labels is not None and free_text(len(values.labels), len(values.item_ids)):
                untested.append(alias)
                warnings.append(
                    _warning(
                        "free_text",
                        f"{alias!r} has {len(values.labels)} distinct values over "
                        f"{len(values.item_ids)} pairs: read as free text and not tested "
                        "(compare a metric of it instead)",
                    )
                )
                continue
            result = statistics.compare(
                values.baseline,
                values.candidate,
                kind=values.kind,
                higher_is_better=request.higher_is_better.get(alias, True),
                alpha=request.alpha,
                seed=SEED,
                labels=values.labels,
            )
            tested.append((alias, values, result))
        finished = statistics.adjust([result for _, _, result in tested])
        repeated = [consistency(session, e) for e in (baseline, candidate)]
        steadiness = {alias: _consistency_json(alias, *repeated) for alias in aliases}
        metrics = {}
        for (alias, values, _), result in zip(tested, finished, strict=True):
            metric = _metric_json(alias, values, result, cells[alias], steadiness[alias])
            beyond = _null_out_of_range(metric)
            if beyond:
                warnings.append(
                    _warning(
                        "out_of_range",
                        f"{alias!r} has values so large that its {', '.join(beyond)} pass a "
                        "double's range (±1.8e308): they are null; its test and counts stand",
                    )
                )
            metrics[alias] = metric
        for alias in empty:
            warnings.append(
                _warning("no_data", f"{alias!r} has no pair with a comparable result on both sides")
            )
        for alias in empty + untested:
            metrics[alias] = _empty_metric_json(
                alias,
                "categorical" if alias in untested else "numeric",
                cells[alias],
                request.higher_is_better.get(alias, True),
                steadiness[alias],
            )
        return {
            "object": "comparison",
            "baseline_evaluation_id": baseline.id,
            "candidate_evaluation_id": candidate.id,
            "alpha": request.alpha,
            "pairing": {
                "by": pairing.by,
                "pairs": len(pairing.baseline_items),
                "baseline_only": pairing.baseline_only,
                "candidate_only": pairing.candidate_only,
            },
            "warnings": warnings,
            "metrics": [metrics[alias] for alias in aliases],
        }


def _aliases(
    session: Session, request: ComparisonRequest, baseline: Evaluation, candidate: Evaluation
) -> list[str]:
    in_baseline = result_aliases(session, baseline.id)
    in_candidate = result_aliases(session, candidate.id)
    if request.aliases is not None:
        for index, alias in enumerate(request.aliases):
            for side, found in (("baseline", in_baseline), ("candidate", in_candidate)):
                if alias not in found:
                    raise Unprocessable(
                        ["body", "aliases", index], f"the {side} has no results for {alias!r}"
                    )
        aliases = list(dict.fromkeys(request.aliases))
    else:
        aliases = sorted(in_baseline & in_candidate)
        if not aliases:
            raise Unprocessable(
                ["body"],
                "the two evaluations share no alias with results "
                f"(baseline: {sorted(in_baseline)}, candidate: {sorted(in_candidate)})",
            )
    for alias in request.higher_is_better:
        if alias not in aliases:
            raise Unprocessable(
                ["body", "higher_is_better", alias], f"{alias!r} is not one of the compared aliases"
            )
    return aliases


def _values(cells: AliasCells, item_ids: Sequence[str]) -> _Values:
    """The alias's kind and its values where both sides have one (none when no pair has).

    Numbers make a numeric metric, or a binary one when all are 0 or 1; booleans a binary one;
    short strings a categorical one. Where the alias has numbers, booleans count as 1 and 0
    when every number is 0 or 1 (one run's scorer wrote 1/0, the other's true/false), and other
    labels are left out, counted in `other_type`. With repeats, a row's value is the mean of its
    repeats (the share of passes for booleans), so a binary alias run several times is compared
    as numeric.
    """
    base, cand = cells.baseline, cells.candidate
    b, c = base.numbers(), cand.numbers()
    kind: Kind = "numeric"
    if not (np.isfinite(b).any() or np.isfinite(c).any()):
        b_bool, c_bool = base.booleans(), cand.booleans()
        if b_bool is None or c_bool is None:
            return _categorical(cells, item_ids)
        b, c = b_bool, c_bool
    elif base.binary_numbers() and cand.binary_numbers():
        b, c = base.numbers(with_booleans=True), cand.numbers(with_booleans=True)
    both = np.isfinite(b) & np.isfinite(c)
    other_type = int((base.has_result() & cand.has_result() & ~both).sum())
    flaky = base.flaky()[both]
    b, c = b[both], c[both]
    if np.isin(b, (0.0, 1.0)).all() and np.isin(c, (0.0, 1.0)).all():
        kind = "binary"
    ids = [item_ids[int(index)] for index in np.flatnonzero(both)]
    flaky_ids = frozenset(i for i, f in zip(ids, flaky) if f)
    return _Values(kind, b, c, ids, None, flaky_ids, other_type)


def _categorical(cells: AliasCells, item_ids: Sequence[str]) -> _Values:
    b, c = cells.baseline.label_codes(), cells.candidate.label_codes()
    both = (b >= 0) & (c >= 0)
    rows = np.flatnonzero(both)
    b, c = b[rows], c[rows]
    # Codes renumbered by first appearance along the pairs, baseline before candidate, so the
    # categories come out in the same order whatever order the database read the cells in.
    present, first = np.unique(np.column_stack([b, c]).ravel(), return_index=True)
    order = present[np.argsort(first)]
    renumber = np.zeros(len(cells.baseline.labels.names), dtype=np.intp)
    renumber[order] = np.arange(order.size)
    names = cells.baseline.labels.names
    flaky_rows = cells.baseline.flaky()[rows]
    ids = [item_ids[index] for index in rows.tolist()]
    return _Values(
        "categorical",
        renumber[b].astype(np.float64),
        renumber[c].astype(np.float64),
        ids,
        [_label_text(names[code]) for code in order.tolist()],
        frozenset(item for item, flaky in zip(ids, flaky_rows.tolist()) if flaky),
    )


def _label_text(label: str) -> str:
    """A label is the value's JSON text: a string shows as itself, a boolean as true/false."""
    value = orjson.loads(label)
    return value if isinstance(value, str) else label


def _metric_json(
    alias: str,
    values: _Values,
    result: statistics.PairedResult,
    cells: AliasCells,
    consistency: dict[str, Any] | None,
) -> dict[str, Any]:
    changes = (
        statistics.top_changes(
            values.item_ids,
            values.baseline,
            values.candidate,
            higher_is_better=result.higher_is_better,
        )
        if result.kind != "categorical"
        else statistics.TopChanges((), ())
    )
    categories = None
    if result.kind == "categorical":
        categories = [
            {
                "value": category.label,
                "baseline_share": category.baseline_count / result.n,
                "candidate_share": category.candidate_count / result.n,
                "gained": category.gained,
                "lost": category.lost,
                "p_value": category.p_value,
            }
            for category in result.categories
        ]
    histogram = None
    if result.kind == "numeric":
        edges, counts = statistics.histogram(values.baseline, values.candidate)
        histogram = {"edges": edges, "counts": counts}
    return {
        "alias": alias,
        "kind": result.kind,
        "higher_is_better": result.higher_is_better,
        "n": result.n,
        "baseline_mean": result.baseline_mean,
        "candidate_mean": result.candidate_mean,
        "delta": result.delta,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "ci_method": result.ci_method,
        "test": result.test,
        "p_value": result.p_value,
        "p_adjusted": result.p_adjusted,
        "mde": result.mde,
        "verdict": result.verdict,
        "improved": result.improved or 0,
        "regressed": result.regressed or 0,
        "unchanged": result.unchanged,
        "errored": {"baseline": cells.baseline.errored, "candidate": cells.candidate.errored},
        "most_regressed": list(changes.regressed),
        "most_improved": list(changes.improved),
        # Regressions of rows that already gave different answers in the baseline's repeats:
        # read these as noise first.
        "flaky_in_baseline": [i for i in changes.regressed if i in values.flaky_in_baseline],
        "categories": categories,
        "histogram": histogram,
        "consistency": consistency,
    }


def _null_out_of_range(metric: dict[str, Any]) -> list[str]:
    """Nulls the figures of a metric that passed a double's range (±inf, which JSON cannot
    carry), the histogram too when one of its edges did, and names them."""
    beyond = [
        name
        for name in _FIGURES
        if isinstance(metric[name], float) and not math.isfinite(metric[name])
    ]
    for name in beyond:
        metric[name] = None
    histogram = metric["histogram"]
    if histogram is not None and not all(map(math.isfinite, histogram["edges"])):
        metric["histogram"] = None
        beyond.append("histogram")
    return beyond


def _empty_metric_json(
    alias: str,
    kind: Kind,
    cells: AliasCells,
    higher_is_better: bool,
    consistency: dict[str, Any] | None,
) -> dict[str, Any]:
    """An alias that was not tested: no data, or free text."""
    return {
        "alias": alias,
        "kind": kind,
        "higher_is_better": higher_is_better,
        "n": 0,
        **dict.fromkeys(
            (
                "baseline_mean",
                "candidate_mean",
                "delta",
                "ci_low",
                "ci_high",
                "ci_method",
                "test",
                "p_value",
                "p_adjusted",
                "mde",
            )
        ),
        "verdict": "no_significant_difference",
        "improved": 0,
        "regressed": 0,
        "unchanged": 0,
        "errored": {"baseline": cells.baseline.errored, "candidate": cells.candidate.errored},
        "most_regressed": [],
        "most_improved": [],
        "flaky_in_baseline": [],
        "categories": None,
        "histogram": None,
        "consistency": consistency,
    }


def _consistency_json(
    alias: str, baseline: dict[str, Consistency], candidate: dict[str, Consistency]
) -> dict[str, Any] | None:
    """Per side, how consistent the alias was over its repeats; null when neither repeated."""
    if alias not in baseline and alias not in candidate:
        return None
    return {
        side: None if found is None else asdict(found)
        for side, found in (("baseline", baseline.get(alias)), ("candidate", candidate.get(alias)))
    }


# Comparability guards -----------------------------------------------------------------------------


def _warning(type_: str, message: str) -> dict[str, str]:
    return {"type": type_, "message": message}


def _warnings(
    session: Session,
    baseline: Evaluation,
    candidate: Evaluation,
    aliases: Sequence[str],
    pairing: Pairing,
    cells: dict[str, AliasCells],
) -> list[dict[str, str]]:
    warnings: list[dict[str, str]] = [
        _warning(
            "unfinished_run",
            f"the {side} {evaluation.id} is still running: only the cells it has finished are "
            "compared, so compare again once it has finished",
        )
        for side, evaluation in (("baseline", baseline), ("candidate", candidate))
        if evaluation.status == "running"
    ]
    versions = [_dataset_versions(session, e.id) for e in (baseline, candidate)]
    if versions[0] != versions[1]:
        warnings.append(
            _warning(
                "different_dataset_versions",
                f"the baseline ran on {_versions_text(versions[0])}, the candidate on "
                f"{_versions_text(versions[1])}",
            )
        )
    tasks = [{task["alias"]: task for task in e.tasks} for e in (baseline, candidate)]
    for alias in aliases:
        left, right = tasks[0].get(alias), tasks[1].get(alias)
        if left is not None and right is not None and left != right:
            warnings.append(
                _warning(
                    "different_task_configuration",
                    f"{alias!r} is configured differently: {_difference(left, right)}",
                )
            )
        scorers = [_scorer_versions(session, e.id, alias) for e in (baseline, candidate)]
        if scorers[0] and scorers[1] and scorers[0] != scorers[1]:
            warnings.append(
                _warning(
                    "different_scorer_versions",
                    f"{alias!r} was scored with {scorers[0]} in the baseline and {scorers[1]} "
                    "in the candidate",
                )
            )
    if pairing.baseline_only or pairing.candidate_only:
        warnings.append(
            _warning(
                "unpaired_items",
                f"{pairing.baseline_only} baseline and {pairing.candidate_only} candidate items "
                f"have no partner (paired by {pairing.by}) and are left out",
            )
        )
    for alias in aliases:
        errored = cells[alias].baseline.errored, cells[alias].candidate.errored
        if any(errored):
            warnings.append(
                _warning(
                    "errored_cells",
                    f"{alias!r} has {errored[0]} errored cells in the baseline and {errored[1]} "
                    "in the candidate among the paired items: those pairs are left out of its "
                    "test (an error is missing data, not a fail)",
                )
            )
        # A run still going says so above; a finished one may still leave cells unscored.
        if baseline.status != "running" and candidate.status != "running":
            unscored = cells[alias].baseline.unscored(), cells[alias].candidate.unscored()
            if any(unscored):
                warnings.append(
                    _warning(
                        "unscored_pairs",
                        f"{alias!r} has {unscored[0]} paired rows without a result in the "
                        f"baseline and {unscored[1]} in the candidate (cells pending, skipped "
                        "or cancelled, or never run): those pairs are left out of its test",
                    )
                )
    return warnings


def _dataset_versions(session: Session, evaluation_id: str) -> dict[str, int]:
    stmt = select(EvaluationDataset.dataset_id, EvaluationDataset.dataset_version_num).where(
        EvaluationDataset.evaluation_id == evaluation_id
    )
    return dict(session.execute(stmt).tuples().all())


def _versions_text(versions: dict[str, int]) -> str:
    if not versions:
        return "rows given inline"
    return ", ".join(f"dataset {dataset} version {number}" for dataset, number in versions.items())


def _difference(left: dict[str, Any], right: dict[str, Any]) -> str:
    """The top-level configuration keys that differ, e.g. `model, prompt`."""
    if left.get("task_type") != right.get("task_type"):
        return f"task type {left.get('task_type')!r} vs {right.get('task_type')!r}"
    a, b = left.get("configuration") or {}, right.get("configuration") or {}
    keys = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    return "different " + ", ".join(keys)


def _scorer_versions(session: Session, evaluation_id: str, alias: str) -> dict[str, Any] | None:
    """The scorer library versions one completed cell of the alias records (metric tasks)."""
    stmt = (
        select(TaskResult.details)
        .where(
            TaskResult.evaluation_id == evaluation_id,
            TaskResult.alias == alias,
            TaskResult.status == "completed",
        )
        .limit(1)
    )
    details = session.scalar(stmt)
    versions = details.get("versions") if isinstance(details, dict) else None
    return versions if isinstance(versions, dict) else None


comparison_service = ComparisonService()
