"""Agreement between reviewers: several people's answers to one contributor alias, pure.

The answers (answers.py) are compared over the items at least two reviewers answered with a
comparable value (values.py: a number, or a label: a short string, a boolean, a multi-select
list as a set). Which figures, by the answers:
- labels: Krippendorff's alpha (nominal), always; Fleiss' kappa when every compared item has
  the same number of answers; Cohen's kappa when exactly two reviewers answered, each every
  compared item. The headline (`primary`) is Cohen's kappa where it applies, else Fleiss', else
  alpha. Over MAX_LABELS distinct labels (free text) none is computed, only the share of items
  whose reviewers all agree;
- numbers: Krippendorff's alpha (interval). On a rating scale (integers spanning at most
  RATING_MAX_SPAN) also alpha (ordinal), the headline, and with two reviewers Cohen's kappa
  with quadratic weights;
- numbers and labels in one alias: labels over every answer's JSON text, with a warning.
Alpha takes any number of reviewers per item and missing answers; the kappas need the shape
they are defined for, and say why they are null otherwise.

Every figure's interval is the seeded percentile bootstrap over items (bootstrap.py), all on
the same resamples: an item's answers are resampled together, never one by one.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from yardstick.agreement import coefficients, krippendorff
from yardstick.agreement.answers import AliasAnswers, Answer, ItemAnswers
from yardstick.agreement.bootstrap import (
    RESAMPLES,
    SEED,
    Estimate,
    FloatArray,
    IntArray,
    Method,
    Statistic,
    distinct_rows,
    estimate,
)
from yardstick.agreement.schemas import Kind
from yardstick.agreement.values import (
    DISAGREEMENTS_SHOWN,
    MAX_LABELS,
    AgreementWarning,
    classify,
    estimate_json,
    is_rating,
    items,
    method_text,
    number_label,
    order,
    repeats_warning,
)


@dataclass
class ReviewerAgreement:
    alias: str
    answers: int  # counted: one per reviewer and item
    answered_items: int
    kind: Kind | None = None
    n: int = 0
    reviewers: int = 0
    answers_per_item: tuple[int, int] | None = None
    primary: str | None = None
    unanimous: Estimate | None = None
    coefficients: dict[str, Estimate] | None = None
    # The items whose compared answers differ, with those answers.
    disagreements: list[ItemAnswers] = field(default_factory=list)
    disagreements_total: int = 0
    method: Method | None = None
    warnings: list[AgreementWarning] = field(default_factory=list)


@dataclass
class _Compared:
    """The items with two or more comparable answers, and those answers, item after item."""

    item_ids: list[str] = field(default_factory=list)
    answers: list[list[Answer]] = field(default_factory=list)  # per item, by reviewer id
    numbers: list[float | None] = field(default_factory=list)  # per answer
    labels: list[str | None] = field(default_factory=list)  # per answer


def agreement(alias: str, found: AliasAnswers, *, repeats: int = 1) -> ReviewerAgreement:
    out = ReviewerAgreement(
        alias=alias,
        answers=sum(len(item.answers) for item in found.items),
        answered_items=len(found.items),
    )
    compared = _Compared()
    dropped = single = 0
    # A few distinct values answered many times: each scalar is classified once.
    memo: dict[tuple[type, Any], tuple[float | None, str | None]] = {}
    for item in found.items:
        kept, numbers, labels = [], [], []
        for answer in item.answers:
            value = answer.value
            if isinstance(value, list | dict):
                number, label = classify(value)
            else:
                key = (type(value), value)
                if key not in memo:
                    memo[key] = classify(value)
                number, label = memo[key]
            if number is None and label is None:
                dropped += 1
                continue
            kept.append(answer)
            numbers.append(number)
            labels.append(label)
        if len(kept) >= 2:
            compared.item_ids.append(item.item_id)
            compared.answers.append(kept)
            compared.numbers += numbers
            compared.labels += labels
        elif kept:
            single += 1
    if found.replaced:
        out.warnings.append(
            AgreementWarning(
                "replaced_answers",
                f"{_answers(found.replaced, 'was', 'were')} replaced by a later answer of the "
                "same reviewer to the same item: one answer per reviewer and item counts",
            )
        )
    if dropped:
        out.warnings.append(
            AgreementWarning(
                "not_comparable",
                f"{_answers(dropped, 'is', 'are')} null, an object, a string of over 100 "
                "characters as JSON text or a list of anything but short strings, numbers and booleans: "
                "left out",
            )
        )
    if single and compared.item_ids:
        out.warnings.append(
            AgreementWarning(
                "single_answers",
                f"{items(single)} with one comparable answer only: left out, agreement needs two",
            )
        )
    if repeats > 1:
        out.warnings.append(repeats_warning(repeats))
    if not compared.item_ids:
        out.warnings.append(AgreementWarning("no_data", _no_data(alias, found, single)))
        return out
    _compare(out, compared)
    return out


def _answers(count: int, one: str, many: str) -> str:
    return f"1 answer {one}" if count == 1 else f"{count} answers {many}"


def _no_data(alias: str, found: AliasAnswers, single: int) -> str:
    if not found.items:
        return f"no reviewer has answered {alias!r} yet (a completed annotation task)"
    if single:
        return f"no item has comparable answers from two reviewers yet ({items(single)} with one)"
    return "no item has comparable answers from two reviewers (numbers or short labels)"


def _compare(out: ReviewerAgreement, compared: _Compared) -> None:
    numbers = sum(v is not None for v in compared.numbers)
    labels = sum(v is not None for v in compared.labels)
    sizes = np.array([len(answers) for answers in compared.answers])
    reviewers = {answer.reviewer for answers in compared.answers for answer in answers}
    out.n, out.reviewers = int(sizes.size), len(reviewers)
    out.answers_per_item = (int(sizes.min()), int(sizes.max()))
    # Two reviewers who each answered every compared item: answers are sorted by reviewer, so
    # column 0 is always the one reviewer and column 1 the other, as Cohen's kappa needs.
    two = len(reviewers) == 2
    # (items, most answers) with NaN for no answer; answer j of item i at (i, j).
    data = np.full((sizes.size, int(sizes.max())), np.nan)
    rows = np.repeat(np.arange(sizes.size), sizes)
    columns = np.arange(rows.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    if numbers and labels:
        out.warnings.append(
            AgreementWarning(
                "mixed_kinds",
                f"{numbers} answers are numbers and {labels} labels: every answer is compared "
                'as a label (its JSON text), so 3 and "3", or 1 and true, disagree',
            )
        )
    if labels:
        texts = [
            label if label is not None else number_label(_sure(number))
            for number, label in zip(compared.numbers, compared.labels, strict=True)
        ]
        values = sorted(set(texts), key=lambda t: order(orjson.loads(t)))
        code = {text: index for index, text in enumerate(values)}
        data[rows, columns] = np.fromiter(map(code.__getitem__, texts), np.float64, len(texts))
        fixed = bool(sizes.min() == sizes.max())  # the same number of answers on every item
        _categorical(out, data, len(values), two=two, fixed=fixed)
    else:
        data[rows, columns] = np.array(compared.numbers, dtype=np.float64)
        _numeric(out, data, two=two)
    low, high = np.nanmin(data, axis=1), np.nanmax(data, axis=1)
    differ = np.flatnonzero(low != high)
    if not labels:
        # Numbers: the widest spread first; among equal spreads, row order (a stable sort).
        differ = differ[np.argsort(-(high - low)[differ], kind="stable")]
    out.disagreements_total = int(differ.size)
    out.disagreements = [
        ItemAnswers(compared.item_ids[i], compared.answers[i])
        for i in differ[:DISAGREEMENTS_SHOWN].tolist()
    ]


def _sure(number: float | None) -> float:
    assert number is not None  # comparable: a number where there is no label
    return number


def _resampled(data: FloatArray, *, two: bool) -> tuple[FloatArray, IntArray]:
    """The distinct items and their counts. Without Cohen's kappa, which reviewer gave which
    answer does not matter: each row's answers are sorted (missing last), so more rows match."""
    return distinct_rows(data if two else np.sort(data, axis=1))


def _unanimous(rows: FloatArray) -> Statistic:
    return coefficients.share(np.nanmin(rows, axis=1) == np.nanmax(rows, axis=1))


def _categorical(
    out: ReviewerAgreement, data: FloatArray, k: int, *, two: bool, fixed: bool
) -> None:
    out.kind = "categorical"
    out.primary = (
        "cohen_kappa" if two else "fleiss_kappa" if fixed else "krippendorff_alpha_nominal"
    )
    rows, counts = _resampled(data, two=two)
    statistics = [_unanimous(rows)]
    names: list[str] = []
    reasons: dict[str, str] = {}
    if k > MAX_LABELS:
        reason = f"{k} distinct values: free text, not categories (at most {MAX_LABELS})"
        reasons = dict.fromkeys(
            ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha_nominal"), reason
        )
        out.warnings.append(
            AgreementWarning(
                "many_values",
                f"{k} distinct values (free text rather than categories?): only the share of "
                f"unanimous items is computed; kappa and alpha need at most {MAX_LABELS}",
            )
        )
    else:
        if two:
            codes = rows.astype(np.intp)
            statistics.append(coefficients.cohen_kappa(codes[:, 0], codes[:, 1], categories=k))
            names.append("cohen_kappa")
        else:
            reasons["cohen_kappa"] = _not_two(out.reviewers)
        if fixed:
            present = ~np.isnan(rows)
            ratings = np.zeros((rows.shape[0], k))
            np.add.at(ratings, (np.nonzero(present)[0], rows[present].astype(np.intp)), 1.0)
            statistics.append(coefficients.fleiss_kappa(ratings))
            names.append("fleiss_kappa")
        else:
            reasons["fleiss_kappa"] = _not_fixed(out.answers_per_item)
        statistics.append(krippendorff.alpha(rows, "nominal"))
        names.append("krippendorff_alpha_nominal")
    _estimate(out, statistics, counts, names, reasons)


def _numeric(out: ReviewerAgreement, data: FloatArray, *, two: bool) -> None:
    out.kind = "numeric"
    rows, counts = _resampled(data, two=two)
    rating = is_rating(rows[~np.isnan(rows)])
    out.primary = "krippendorff_alpha_ordinal" if rating else "krippendorff_alpha_interval"
    statistics = [_unanimous(rows), krippendorff.alpha(rows, "interval")]
    names = ["krippendorff_alpha_interval"]
    reasons: dict[str, str] = {}
    if rating:
        statistics.append(krippendorff.alpha(rows, "ordinal"))
        names.append("krippendorff_alpha_ordinal")
        if two:
            low = int(np.nanmin(rows))
            codes = (rows - low).astype(np.intp)
            k = int(np.nanmax(rows)) - low + 1
            statistics.append(
                coefficients.cohen_kappa(
                    codes[:, 0], codes[:, 1], categories=k, weights="quadratic"
                )
            )
            names.append("cohen_kappa_quadratic")
        else:
            reasons["cohen_kappa_quadratic"] = _not_two(out.reviewers)
    _estimate(out, statistics, counts, names, reasons)


def _estimate(
    out: ReviewerAgreement,
    statistics: list[Statistic],
    counts: IntArray,
    names: list[str],
    reasons: dict[str, str],
) -> None:
    figures, out.method = estimate(statistics, counts, resamples=RESAMPLES, seed=SEED)
    out.unanimous = figures[0]
    found = dict(zip(names, figures[1:], strict=True))
    found.update({name: Estimate(None, None, reason) for name, reason in reasons.items()})
    # In one order whatever applied: the kappas, then alpha.
    out.coefficients = {name: found[name] for name in sorted(found, key=_KEY_ORDER.index)}


_KEY_ORDER = [
    "cohen_kappa",
    "cohen_kappa_quadratic",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal",
    "krippendorff_alpha_interval",
]


def _not_two(reviewers: int) -> str:
    return (
        f"{reviewers} reviewers answered: Cohen's kappa compares two who each answered every "
        "item (Krippendorff's alpha takes any number)"
    )


def _not_fixed(sizes: tuple[int, int] | None) -> str:
    low, high = sizes or (0, 0)
    return (
        f"items have {low} to {high} answers: Fleiss' kappa needs the same number on every "
        "item (Krippendorff's alpha does not)"
    )


def reviewer_json(found: ReviewerAgreement) -> dict[str, Any]:
    sizes = found.answers_per_item
    return {
        "alias": found.alias,
        "kind": found.kind,
        "answers": found.answers,
        "answered_items": found.answered_items,
        "n": found.n,
        "reviewers": found.reviewers,
        "answers_per_item": None if sizes is None else {"min": sizes[0], "max": sizes[1]},
        "primary": found.primary,
        "unanimous": estimate_json(found.unanimous),
        "coefficients": None
        if found.coefficients is None
        else {name: estimate_json(value) for name, value in found.coefficients.items()},
        "disagreements": {
            "total": found.disagreements_total,
            "items": [
                {
                    "item_id": d.item_id,
                    "answers": [{"reviewer": a.reviewer, "value": a.value} for a in d.answers],
                }
                for d in found.disagreements
            ],
        },
        "ci_method": method_text(found.method),
        "warnings": [{"type": w.type, "message": w.message} for w in found.warnings],
    }
