"""Agreement between reviewers, pure: which figures apply to which answers, checked on
published examples (Fleiss 1971, Krippendorff 2011) and by hand, and against the reference
libraries (scikit-learn's Cohen's kappa, the `krippendorff` package)."""

from typing import Any

import krippendorff as reference
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from tests.agreement.test_coefficients import FLEISS_EXAMPLE
from tests.agreement.test_krippendorff import EXAMPLE_C
from yardstick.agreement.answers import AliasAnswers, Answer, ItemAnswers
from yardstick.agreement.reviewers import ReviewerAgreement, agreement


def answers(rows: list[dict[str, Any]], replaced: int = 0) -> AliasAnswers:
    """Item i's answers from `rows[i]`, {reviewer: value}; items named i0, i1, …"""
    return AliasAnswers(
        [
            ItemAnswers(f"i{i}", [Answer(r, row[r]) for r in sorted(row)])
            for i, row in enumerate(rows)
        ],
        replaced,
    )


def figure(found: ReviewerAgreement, name: str) -> float | None:
    assert found.coefficients is not None
    return found.coefficients[name].value


def reason(found: ReviewerAgreement, name: str) -> str:
    assert found.coefficients is not None
    return found.coefficients[name].reason or ""


def test_fleiss_example_fourteen_raters_on_every_item() -> None:
    # Fleiss (1971), as Wikipedia works it: 10 subjects, 14 raters each, 5 categories; κ 0.210.
    categories = ["a", "b", "c", "d", "e"]
    rows = []
    for counts in FLEISS_EXAMPLE.astype(int):
        labels = [c for c, times in zip(categories, counts, strict=True) for _ in range(times)]
        rows.append({f"r{j:02d}": label for j, label in enumerate(labels)})
    found = agreement("grade", answers(rows))
    assert (found.kind, found.n, found.reviewers, found.answers_per_item) == (
        "categorical",
        10,
        14,
        (14, 14),
    )
    assert found.primary == "fleiss_kappa"
    assert figure(found, "fleiss_kappa") == pytest.approx(0.210, abs=5e-4)
    assert figure(found, "cohen_kappa") is None
    assert reason(found, "cohen_kappa").startswith("14 reviewers answered")
    # Alpha: the package on the same answers, raters as rows (missing where one did not rate).
    codes = [[categories.index(row[f"r{j:02d}"]) for row in rows] for j in range(14)]
    expected = reference.alpha(np.array(codes, dtype=float), level_of_measurement="nominal")
    assert figure(found, "krippendorff_alpha_nominal") == pytest.approx(expected, abs=1e-12)
    # Subject 1 is the only one all 14 put in one category.
    assert found.unanimous is not None and found.unanimous.value == pytest.approx(0.1)
    assert found.disagreements_total == 9
    assert [d.item_id for d in found.disagreements] == [f"i{i}" for i in range(1, 10)]
    assert found.coefficients is not None
    interval = found.coefficients["fleiss_kappa"].ci95
    assert interval is not None and interval[0] <= 0.210 <= interval[1]


def krippendorff_c(as_labels: bool) -> AliasAnswers:
    """Krippendorff (2011) section C: four observers, twelve units, values 1-5, missing ones."""
    rows = []
    for unit in EXAMPLE_C:
        row: dict[str, Any] = {}
        for coder, value in enumerate(unit):
            if not np.isnan(value):
                row[f"obs{coder}"] = str(int(value)) if as_labels else int(value)
        rows.append(row)
    return answers(rows)


def test_krippendorffs_example_with_missing_answers_as_a_rating_scale() -> None:
    found = agreement("rating", krippendorff_c(as_labels=False))
    # Unit 12 has one answer: not compared (alpha leaves it out too: it pairs with nothing).
    assert (found.kind, found.n, found.reviewers, found.answers_per_item) == (
        "numeric",
        11,
        4,
        (2, 4),
    )
    assert found.primary == "krippendorff_alpha_ordinal"
    published = {"krippendorff_alpha_ordinal": 0.815, "krippendorff_alpha_interval": 0.849}
    for name, value in published.items():
        level = name.rsplit("_", 1)[1]
        assert figure(found, name) == pytest.approx(value, abs=5e-4)
        assert figure(found, name) == pytest.approx(
            reference.alpha(EXAMPLE_C.T, level_of_measurement=level), abs=1e-12
        )
    assert "fleiss_kappa" not in (found.coefficients or {})  # numbers: alpha and weighted kappa
    assert reason(found, "cohen_kappa_quadratic").startswith("4 reviewers answered")
    assert [w.type for w in found.warnings] == ["single_answers"]
    # Units 6 (values 1, 2, 3, 4) and 8 (1, 2, 1): the widest spread first.
    assert [d.item_id for d in found.disagreements] == ["i5", "i1", "i7"]
    assert [a.value for a in found.disagreements[0].answers] == [1, 2, 3, 4]


def test_krippendorffs_example_as_labels_has_no_fleiss_kappa() -> None:
    found = agreement("grade", krippendorff_c(as_labels=True))
    assert found.kind == "categorical" and found.primary == "krippendorff_alpha_nominal"
    assert figure(found, "krippendorff_alpha_nominal") == pytest.approx(0.743, abs=5e-4)
    assert figure(found, "fleiss_kappa") is None
    assert reason(found, "fleiss_kappa") == (
        "items have 2 to 4 answers: Fleiss' kappa needs the same number on every item "
        "(Krippendorff's alpha does not)"
    )


def test_two_reviewers_get_cohens_kappa_and_sets_compare_as_sets() -> None:
    # 8 items, two reviewers; multi-select answers: order and repeats within one do not count.
    ann = [["x"], ["x", "y"], ["y"], ["x"], ["y", "x"], ["y"], ["x"], ["y"]]
    bob = [["x"], ["y", "x", "x"], ["y"], ["y"], ["x", "y"], ["x"], ["x"], ["y"]]
    found = agreement(
        "tags", answers([{"ann": a, "bob": b} for a, b in zip(ann, bob, strict=True)])
    )
    assert (found.kind, found.primary, found.reviewers, found.n) == (
        "categorical",
        "cohen_kappa",
        2,
        8,
    )
    # By hand: agree on 6 of 8. Ann: {x} 3, {x,y} 2, {y} 3; Bob: {x} 3, {x,y} 2, {y} 3.
    # Chance: (3*3 + 2*2 + 3*3) / 64 = 22/64; kappa = (6/8 - 22/64) / (1 - 22/64) = 26/42.
    assert figure(found, "cohen_kappa") == pytest.approx(26 / 42)
    sets = [str(sorted(set(a))) for a in ann], [str(sorted(set(b))) for b in bob]
    assert figure(found, "cohen_kappa") == pytest.approx(cohen_kappa_score(*sets))
    assert figure(found, "fleiss_kappa") is not None  # two raters on every item: Scott's pi
    assert found.unanimous is not None and found.unanimous.value == pytest.approx(0.75)
    assert [(d.item_id, [a.value for a in d.answers]) for d in found.disagreements] == [
        ("i3", [["x"], ["y"]]),
        ("i5", [["y"], ["x"]]),
    ]


def test_two_raters_on_a_rating_scale_get_quadratic_kappa() -> None:
    ann, bob = [5, 4, 4, 3, 2, 1, 5, 3, 2, 4], [5, 4, 3, 3, 2, 2, 5, 5, 1, 4]
    found = agreement(
        "stars", answers([{"ann": a, "bob": b} for a, b in zip(ann, bob, strict=True)])
    )
    expected = cohen_kappa_score(ann, bob, weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert figure(found, "cohen_kappa_quadratic") == pytest.approx(expected)
    assert list(found.coefficients or {}) == [
        "cohen_kappa_quadratic",
        "krippendorff_alpha_ordinal",
        "krippendorff_alpha_interval",
    ]
    # Continuous numbers: interval alpha only, the headline.
    scores = agreement(
        "score",
        answers([{"ann": a / 7, "bob": b / 7 + 0.01} for a, b in zip(ann, bob, strict=True)]),
    )
    assert scores.primary == "krippendorff_alpha_interval"
    assert list(scores.coefficients or {}) == ["krippendorff_alpha_interval"]
    expected = reference.alpha(
        [[a / 7 for a in ann], [b / 7 + 0.01 for b in bob]], level_of_measurement="interval"
    )
    assert figure(scores, "krippendorff_alpha_interval") == pytest.approx(expected)


def test_what_is_left_out_and_why() -> None:
    rows: list[dict[str, Any]] = [
        {"a": "yes", "b": "yes", "c": None},  # null: no answer
        {"a": "no", "b": {"why": "an object"}},  # one comparable answer left
        {"a": "yes", "b": 1},  # a label and a number
        {"a": "x" * 200, "b": "no"},  # free text over 100 characters
        {"a": "no"},
    ]
    found = agreement("mixed", answers(rows, replaced=2), repeats=3)
    assert (found.n, found.answers, found.answered_items) == (2, 10, 5)
    assert [w.type for w in found.warnings] == [
        "replaced_answers",
        "not_comparable",
        "single_answers",
        "repeats",
        "mixed_kinds",
    ]
    assert found.warnings[2].message.startswith("3 items with one comparable answer only")
    assert found.disagreements_total == 1
    assert [a.value for a in found.disagreements[0].answers] == ["yes", 1]

    nobody = agreement("empty", answers([]))
    assert (nobody.kind, nobody.n, nobody.primary, nobody.coefficients) == (None, 0, None, None)
    assert [(w.type, w.message) for w in nobody.warnings] == [
        ("no_data", "no reviewer has answered 'empty' yet (a completed annotation task)")
    ]
    alone = agreement("alone", answers([{"a": 1}, {"b": 2}]))
    assert [w.message for w in alone.warnings] == [
        "no item has comparable answers from two reviewers yet (2 items with one)"
    ]


def test_every_answer_the_same_gives_null_coefficients_with_a_reason() -> None:
    found = agreement("same", answers([{"a": "ok", "b": "ok"}] * 6))
    assert found.unanimous is not None and found.unanimous.value == 1.0
    for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha_nominal"):
        assert figure(found, name) is None and "0/0" in reason(found, name)
    assert found.disagreements == [] and found.disagreements_total == 0
