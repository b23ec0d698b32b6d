"""`GET /v5/evaluations/{id}/agreement`: do the reviewers agree, and does a judge agree with them?

Without `human` and `judge`, per contributor alias, agreement between the reviewers who
answered it (agreement/reviewers.py, on answers.py's read of `annotation_answers`).

With both, two aliases of one evaluation are compared over the items where both have a result
(completed, or prefilled with the row: see evaluation/prefill.py), read by agreement/cells.py;
a contributor alias's result is the one its reviewers' answers were aggregated to. What is
compared depends on the values:
- labels (short strings, booleans) on both sides: categorical. Cohen's kappa (unweighted), the
  headline figure, and Krippendorff's alpha (nominal), accuracy, the confusion matrix;
- numbers on both sides: numeric. Krippendorff's alpha (interval), the headline, accuracy
  (exactly equal values), the mean difference judge - human and the mean absolute difference.
  When every value is an integer and they span at most RATING_MAX_SPAN (a 1-5 or 0-10 rating,
  a 0/1 verdict), they are also a rating scale: Cohen's kappa with quadratic weights over the
  integers from the smallest to the largest, and the confusion matrix over them;
- a number on one side and a label on the other, on some items: categorical over every value's
  JSON text (3 and "3", or 1 and true, then disagree, which the confusion matrix shows), with a
  warning.
Objects, arrays and strings whose JSON text passes 100 characters (quotes and escapes
included, as the cells' labels count them) are not compared (counted in a warning). When
the human alias is a contributor alias, its reviewers' agreement comes with the comparison: how
far people agree among themselves is the most a judge can be expected to agree with them.

Every figure's interval is a percentile bootstrap over the compared items, all figures on the
same seeded resamples (agreement/bootstrap.py), so the same request answers the same. A figure
the data do not define is null with a reason, never NaN.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
from sqlalchemy.orm import Session

from yardstick.agreement import answers, cells, coefficients, krippendorff
from yardstick.agreement.answers import contributor_aliases
from yardstick.agreement.bootstrap import (
    RESAMPLES,
    SEED,
    Estimate,
    IntArray,
    Method,
    Statistic,
    distinct_rows,
    estimate,
)
from yardstick.agreement.reviewers import ReviewerAgreement, reviewer_json
from yardstick.agreement.reviewers import agreement as reviewer_agreement
from yardstick.agreement.schemas import Kind
from yardstick.agreement.values import (
    DISAGREEMENTS_SHOWN,
    MAX_LABELS,
    AgreementWarning,
    estimate_json,
    is_rating,
    items,
    method_text,
    number_label,
    order,
    repeats_warning,
)
from yardstick.auth.service import Principal
from yardstick.errors import Unprocessable
from yardstick.evaluation.service import evaluation_service
from yardstick.models import Evaluation


@dataclass(frozen=True)
class ConfusionMatrix:
    """counts[i][j]: items the human rated labels[i] and the judge labels[j]."""

    labels: list[Any]
    counts: list[list[int]]


@dataclass(frozen=True)
class Disagreement:
    item_id: str
    human: Any
    judge: Any


@dataclass
class Agreement:
    evaluation_id: str
    human: str
    judge: str
    items: int
    human_results: int
    judge_results: int
    kind: Kind | None = None
    n: int = 0
    primary: str | None = None
    accuracy: Estimate | None = None
    coefficients: dict[str, Estimate] | None = None
    differences: dict[str, Estimate] | None = None
    confusion_matrix: ConfusionMatrix | None = None
    disagreements: list[Disagreement] = field(default_factory=list)
    disagreements_total: int = 0
    method: Method | None = None
    warnings: list[AgreementWarning] = field(default_factory=list)
    # The human alias's reviewers, when it is a contributor alias: {alias: agreement}.
    reviewers: dict[str, ReviewerAgreement] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewerAgreements:
    evaluation_id: str
    items: int
    reviewers: dict[str, ReviewerAgreement]  # every contributor alias, in task order


class AgreementService:
    def get(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        human: str,
        judge: str,
        include_archived: bool,
    ) -> Agreement:
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        _check_aliases(evaluation, human, judge)
        out = self.compare(session, evaluation, human=human, judge=judge)
        if human in contributor_aliases(evaluation):
            out.reviewers = self.reviewers_of(session, evaluation, [human])
        return out

    def reviewers(
        self, session: Session, principal: Principal, evaluation_id: str, *, include_archived: bool
    ) -> ReviewerAgreements:
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        found = self.reviewers_of(session, evaluation, contributor_aliases(evaluation))
        return ReviewerAgreements(evaluation.id, evaluation.item_count, found)

    def reviewers_of(
        self, session: Session, evaluation: Evaluation, aliases: list[str]
    ) -> dict[str, ReviewerAgreement]:
        """Agreement between the reviewers of each of these (contributor) aliases."""
        found = answers.read(session, evaluation.id, aliases)
        return {
            alias: reviewer_agreement(alias, found[alias], repeats=evaluation.repeats)
            for alias in aliases
        }

    def compare(
        self, session: Session, evaluation: Evaluation, *, human: str, judge: str
    ) -> Agreement:
        """`judge` against `human`, two aliases of the evaluation (checked by the caller)."""
        found = cells.counts(session, evaluation.id, [human, judge])
        pairs = cells.paired(session, evaluation.id, human, judge)
        out = Agreement(
            evaluation_id=evaluation.id,
            human=human,
            judge=judge,
            items=evaluation.item_count,
            human_results=found[human].results,
            judge_results=found[judge].results,
        )
        out.warnings += _coverage_warnings(out, found, len(pairs.item_ids))
        if evaluation.repeats > 1:
            out.warnings.append(repeats_warning(evaluation.repeats))
        _compare(out, pairs)
        return out


def _check_aliases(evaluation: Evaluation, human: str, judge: str) -> None:
    aliases = [task["alias"] for task in evaluation.tasks]
    for name, alias in (("human", human), ("judge", judge)):
        if alias not in aliases:
            raise Unprocessable(
                ["query", name],
                f"the evaluation has no task with alias {alias!r}; its aliases are "
                + (", ".join(repr(a) for a in aliases) or "none"),
            )
    if human == judge:
        raise Unprocessable(["query", "judge"], "the judge is the human: name two aliases")


def _coverage_warnings(
    out: Agreement, found: dict[str, cells.Counts], both: int
) -> list[AgreementWarning]:
    warnings = []
    for alias in (out.human, out.judge):
        if found[alias].errored:
            warnings.append(
                AgreementWarning(
                    "errored_cells",
                    f"{alias!r} errored on {items(found[alias].errored)}: they are left out",
                )
            )
    human_only, judge_only = out.human_results - both, out.judge_results - both
    # A side with no result at all is said by `no_data` alone.
    if (human_only or judge_only) and out.human_results and out.judge_results:
        warnings.append(
            AgreementWarning(
                "one_sided",
                f"{items(human_only)} have a result from {out.human!r} only and "
                f"{judge_only} from {out.judge!r} only (the other pending, errored or skipped): "
                f"only the {items(both)} with both are compared",
            )
        )
    return warnings


def _compare(out: Agreement, pairs: cells.Pairs) -> None:
    h, j = pairs.human, pairs.judge
    size = len(pairs.item_ids)
    h_number = np.fromiter((v is not None for v in h.numbers), bool, size)
    j_number = np.fromiter((v is not None for v in j.numbers), bool, size)
    h_label = np.fromiter((v is not None for v in h.labels), bool, size)
    j_label = np.fromiter((v is not None for v in j.labels), bool, size)
    comparable = (h_number | h_label) & (j_number | j_label)
    numeric = h_number & j_number
    labelled = h_label & j_label
    mixed = comparable & ~numeric & ~labelled
    if (~comparable).any():
        out.warnings.append(
            AgreementWarning(
                "not_comparable",
                f"{items(int((~comparable).sum()))} with a result from both hold an object, "
                "an array or a string of over 100 characters as JSON text: not compared",
            )
        )
    if not comparable.any():
        out.warnings.append(AgreementWarning("no_data", _no_data(out, size)))
        return
    if mixed.any() or (numeric.any() and labelled.any()):
        out.warnings.append(
            AgreementWarning(
                "mixed_kinds",
                f"{items(int(mixed.sum()))} with a number on one side and a label on the "
                'other: every value is compared as a label (its JSON text), so 3 and "3", '
                "or 1 and true, disagree",
            )
        )
        _categorical(out, pairs, np.flatnonzero(comparable))
    elif numeric.any():
        _numeric(out, pairs, np.flatnonzero(numeric))
    else:
        _categorical(out, pairs, np.flatnonzero(labelled))


def _no_data(out: Agreement, size: int) -> str:
    if not out.human_results or not out.judge_results:
        empty = out.human if not out.human_results else out.judge
        return f"{empty!r} has no result yet (completed or prefilled) on any item"
    if not size:
        return f"no item has a result from both {out.human!r} and {out.judge!r}"
    return "no item has values from both that can be compared (numbers or short labels)"


def _categorical(out: Agreement, pairs: cells.Pairs, at: IntArray) -> None:
    human = [_label(pairs.human, i) for i in at.tolist()]
    judge = [_label(pairs.judge, i) for i in at.tolist()]
    texts = sorted(set(human) | set(judge), key=lambda text: order(orjson.loads(text)))
    code = {text: index for index, text in enumerate(texts)}
    a = np.fromiter(map(code.__getitem__, human), np.intp, len(human))
    b = np.fromiter(map(code.__getitem__, judge), np.intp, len(judge))
    k = len(texts)
    keys, counts = np.unique(a * k + b, return_counts=True)
    first, second = keys // k, keys % k
    statistics = [coefficients.accuracy(first.astype(np.float64), second.astype(np.float64))]
    # Free text rather than categories: chance agreement means little there, and the
    # coefficients' features (two per value) would grow with the number of values.
    categories = k <= MAX_LABELS
    if categories:
        statistics += [
            coefficients.cohen_kappa(first, second, categories=k),
            krippendorff.alpha(np.column_stack([first, second]).astype(np.float64), "nominal"),
        ]
    figures, method = estimate(statistics, counts.astype(np.intp), resamples=RESAMPLES, seed=SEED)
    out.kind, out.n, out.method = "categorical", int(at.size), method
    out.accuracy = figures[0]
    out.primary = "cohen_kappa"
    values = [orjson.loads(text) for text in texts]
    if categories:
        out.coefficients = {"cohen_kappa": figures[1], "krippendorff_alpha_nominal": figures[2]}
        matrix = coefficients.confusion_matrix(a, b, categories=k)
        out.confusion_matrix = ConfusionMatrix(values, matrix.tolist())
    else:
        reason = f"{k} distinct values: free text, not categories (at most {MAX_LABELS})"
        out.coefficients = {
            name: Estimate(None, None, reason)
            for name in ("cohen_kappa", "krippendorff_alpha_nominal")
        }
        out.warnings.append(
            AgreementWarning(
                "many_values",
                f"{k} distinct values (free text rather than categories?): only accuracy is "
                f"computed, kappa, alpha and the confusion matrix need at most {MAX_LABELS}",
            )
        )
    differ = np.flatnonzero(a != b)
    _disagreements(out, pairs, at, differ, lambda i: values[a[i]], lambda i: values[b[i]])


def _numeric(out: Agreement, pairs: cells.Pairs, at: IntArray) -> None:
    human = np.array([pairs.human.numbers[i] for i in at.tolist()], dtype=np.float64)
    judge = np.array([pairs.judge.numbers[i] for i in at.tolist()], dtype=np.float64)
    rows, counts = distinct_rows(np.column_stack([human, judge]))
    first, second = rows[:, 0], rows[:, 1]
    statistics: list[Statistic] = [
        coefficients.accuracy(first, second),
        krippendorff.alpha(rows, "interval"),
        coefficients.mean_difference(first, second),
        coefficients.mean_difference(first, second, absolute=True),
    ]
    low = float(min(human.min(), judge.min()))
    rating = is_rating(rows)
    k = int(float(max(human.max(), judge.max())) - low) + 1 if rating else 0
    if rating:
        statistics.append(
            coefficients.cohen_kappa(
                (first - low).astype(np.intp),
                (second - low).astype(np.intp),
                categories=k,
                weights="quadratic",
            )
        )
    figures, method = estimate(statistics, counts, resamples=RESAMPLES, seed=SEED)
    out.kind, out.n, out.method = "numeric", int(at.size), method
    out.accuracy = figures[0]
    out.primary = "krippendorff_alpha_interval"
    out.coefficients = {"krippendorff_alpha_interval": figures[1]}
    out.differences = {"mean": figures[2], "mean_absolute": figures[3]}
    if rating:
        out.coefficients["cohen_kappa_quadratic"] = figures[4]
        matrix = coefficients.confusion_matrix(
            (human - low).astype(np.intp), (judge - low).astype(np.intp), categories=k
        )
        out.confusion_matrix = ConfusionMatrix([int(low) + i for i in range(k)], matrix.tolist())
    gaps = np.abs(judge - human)
    # Largest gap first; among equal gaps, row order (a stable sort of the negated gaps).
    differ = np.flatnonzero(gaps > 0)
    differ = differ[np.argsort(-gaps[differ], kind="stable")]
    _disagreements(
        out,
        pairs,
        at,
        differ,
        lambda i: pairs.human.numbers[at[i]],
        lambda i: pairs.judge.numbers[at[i]],
    )


def _disagreements(
    out: Agreement,
    pairs: cells.Pairs,
    at: IntArray,
    differ: IntArray,
    human: Callable[[int], Any],
    judge: Callable[[int], Any],
) -> None:
    out.disagreements_total = int(differ.size)
    out.disagreements = [
        Disagreement(pairs.item_ids[at[i]], human(i), judge(i))
        for i in differ[:DISAGREEMENTS_SHOWN].tolist()
    ]


def _label(side: cells.Side, index: int) -> str:
    """The value's JSON text: a label as stored, a number as its shortest JSON (3.0 as 3)."""
    label = side.labels[index]
    if label is not None:
        return label
    number = side.numbers[index]
    assert number is not None  # comparable
    return number_label(number)


def agreement_json(found: Agreement) -> dict[str, Any]:
    def figures(named: dict[str, Estimate] | None) -> dict[str, Any] | None:
        if named is None:
            return None
        return {name: estimate_json(value) for name, value in named.items()}

    return {
        "object": "evaluation_agreement",
        "evaluation_id": found.evaluation_id,
        "human": found.human,
        "judge": found.judge,
        "kind": found.kind,
        "items": found.items,
        "human_results": found.human_results,
        "judge_results": found.judge_results,
        "n": found.n,
        "primary": found.primary,
        "accuracy": estimate_json(found.accuracy),
        "coefficients": figures(found.coefficients),
        "differences": figures(found.differences),
        "confusion_matrix": None
        if found.confusion_matrix is None
        else {"labels": found.confusion_matrix.labels, "counts": found.confusion_matrix.counts},
        "disagreements": {
            "total": found.disagreements_total,
            "items": [
                {"item_id": d.item_id, "human": d.human, "judge": d.judge}
                for d in found.disagreements
            ],
        },
        "ci_method": method_text(found.method),
        "warnings": [{"type": w.type, "message": w.message} for w in found.warnings],
        "reviewers": {alias: reviewer_json(r) for alias, r in found.reviewers.items()},
    }


def reviewer_agreements_json(found: ReviewerAgreements) -> dict[str, Any]:
    return {
        "object": "evaluation_reviewer_agreement",
        "evaluation_id": found.evaluation_id,
        "items": found.items,
        "reviewers": {alias: reviewer_json(r) for alias, r in found.reviewers.items()},
    }


agreement_service = AgreementService()
