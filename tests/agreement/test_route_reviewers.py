"""`GET /v5/evaluations/{id}/agreement` without `human` and `judge`: agreement between the
reviewers of each contributor alias, on answers written straight into the server's database as
annotation tasks leave them (one task per item, queue and reviewer slot; an answer per task and
alias). Checked by hand and against the reference libraries; then the answers that must not
count (an audit's, a task sent back for a redo, a reviewer's earlier answer) and one that does
(a reviewer's whose task an audit FIXED), the reviewers' figures beside a judge's, and the requests that name only one of the two aliases."""

import httpx
import krippendorff as reference
import pytest
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import Engine

from tests.agreement.helpers import (
    MISSING,
    Given,
    agreement,
    evaluation_with_cells,
    http_for,
    write_answers,
)
from tests.fixtures.server import ACCOUNT_B, Server

TRIO = ["ann", "bob", "cy"]


def trio(item: int, values: list[str]) -> list[Given]:
    return [Given(item, "grade", r, v, slot) for slot, (r, v) in enumerate(zip(TRIO, values))]


GRADES = [
    Given(0, "grade", "ann", "bad", 0, minute=0),
    Given(0, "grade", "bob", "good", 1),
    Given(0, "grade", "cy", "good", 2),
    Given(0, "grade", "ann", "good", 3, minute=5),
    *trio(1, ["good", "good", "bad"]),
    *trio(2, ["bad", "bad", "bad"]),
    # An auditor corrected item 3 to "bad": ann's task is FIXED, and her answer still counts.
    Given(3, "grade", "ann", "good", 0, status="FIXED"),
    Given(3, "grade", "bob", "bad", 1),
    Given(3, "grade", "cy", "bad", 2),
    Given(4, "grade", "ann", "good", 0),
    Given(5, "grade", "ann", "bad", 0),
    Given(5, "grade", "bob", "good", 1, task_type="CONTRIBUTOR_AUDIT"),
    Given(5, "grade", "cy", "good", 2, status="PENDING_REDO"),
]
ANN_STARS, BOB_STARS = [5, 4, 3, 2, 1], [5, 3, 3, 2, 2]
STARS = [
    Given(i, "stars", reviewer, stars, slot)
    for slot, (reviewer, column) in enumerate([("ann", ANN_STARS), ("bob", BOB_STARS)])
    for i, stars in enumerate(column)
]


def test_reviewers_of_every_contributor_alias_and_beside_a_judge(
    engine_server: Server, http: httpx.Client, database: Engine
) -> None:
    # The aggregated results (the majority label) of `grade`, and a judge's labels.
    evaluation_id, ids = evaluation_with_cells(
        http,
        database,
        {
            "grade": ["good", "good", "bad", "bad"],
            "verdict": ["good", "bad", "bad", "good", "good", MISSING],
            "stars": [],
            "nobody": [],
        },
    )
    write_answers(database, evaluation_id, ids, GRADES + STARS)

    response = agreement(http, evaluation_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["object"], body["evaluation_id"], body["items"]) == (
        "evaluation_reviewer_agreement",
        evaluation_id,
        6,
    )
    assert list(body["reviewers"]) == ["grade", "verdict", "stars", "nobody"]

    grade = body["reviewers"]["grade"]
    assert (grade["kind"], grade["n"], grade["reviewers"], grade["primary"]) == (
        "categorical",
        4,
        3,
        "fleiss_kappa",
    )
    assert (grade["answers"], grade["answered_items"], grade["answers_per_item"]) == (
        14,
        6,
        {"min": 3, "max": 3},
    )
    # Fleiss by hand: agreeing pairs per item 1, 1/3, 1, 1/3, so P = 2/3; "good" is half the
    # 12 answers, so Pe = 1/2, and kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3.
    figures = grade["coefficients"]
    assert figures["fleiss_kappa"]["value"] == pytest.approx(1 / 3)
    low, high = figures["fleiss_kappa"]["ci95"]
    assert low <= 1 / 3 <= high
    assert figures["cohen_kappa"]["value"] is None
    assert figures["cohen_kappa"]["reason"].startswith("3 reviewers answered")
    # Alpha: the package, raters as rows (good 1, bad 0), items 0-3.
    by_rater = [[1, 1, 0, 1], [1, 1, 0, 0], [1, 0, 0, 0]]
    nominal = reference.alpha(by_rater, level_of_measurement="nominal")
    assert figures["krippendorff_alpha_nominal"]["value"] == pytest.approx(nominal)
    assert grade["unanimous"]["value"] == pytest.approx(0.5)
    assert grade["disagreements"] == {
        "total": 2,
        "items": [
            {
                "item_id": ids[i],
                "answers": [
                    {"reviewer": "ann", "value": "good"},
                    {"reviewer": "bob", "value": v},
                    {"reviewer": "cy", "value": "bad"},
                ],
            }
            for i, v in ((1, "good"), (3, "bad"))
        ],
    }
    assert [(w["type"], w["message"]) for w in grade["warnings"]] == [
        (
            "replaced_answers",
            (
                "1 answer was replaced by a later answer of the same reviewer to the same item: "
                "one answer per reviewer and item counts"
            ),
        ),
        (
            "single_answers",
            "2 items with one comparable answer only: left out, agreement needs two",
        ),
    ]
    assert grade["ci_method"].startswith("percentile bootstrap over items, 1000 resamples")

    # Two reviewers on a 1-5 scale: ordinal alpha first, quadratic kappa, interval alpha.
    stars = body["reviewers"]["stars"]
    assert (stars["kind"], stars["primary"], stars["n"], stars["reviewers"]) == (
        "numeric",
        "krippendorff_alpha_ordinal",
        5,
        2,
    )
    figures = stars["coefficients"]
    quadratic = cohen_kappa_score(ANN_STARS, BOB_STARS, weights="quadratic", labels=[1, 2, 3, 4, 5])
    assert figures["cohen_kappa_quadratic"]["value"] == pytest.approx(quadratic)
    for level in ("ordinal", "interval"):
        expected = reference.alpha([ANN_STARS, BOB_STARS], level_of_measurement=level)
        assert figures[f"krippendorff_alpha_{level}"]["value"] == pytest.approx(expected)
    assert [d["item_id"] for d in stars["disagreements"]["items"]] == [ids[1], ids[4]]

    for alias in ("verdict", "nobody"):
        empty = body["reviewers"][alias]
        assert (empty["n"], empty["kind"], empty["coefficients"], empty["answers"]) == (
            0,
            None,
            None,
            0,
        )
        assert [w["type"] for w in empty["warnings"]] == ["no_data"]

    # A judge against `grade`: the comparison as before, and grade's reviewers beside it.
    pair = agreement(http, evaluation_id, human="grade", judge="verdict").json()
    assert (pair["object"], pair["n"], pair["accuracy"]["value"]) == (
        "evaluation_agreement",
        4,
        0.5,
    )
    assert pair["reviewers"] == {"grade": grade}
    # Seeded: asked again, the same figures.
    assert agreement(http, evaluation_id).json() == body

    # Only one of the two aliases: a 422 naming the missing one.
    for given, missing in (({"human": "grade"}, "judge"), ({"judge": "verdict"}, "human")):
        response = agreement(http, evaluation_id, **given)
        assert response.status_code == 422, response.text
        (error,) = response.json()["detail"]
        assert (error["loc"], error["type"]) == (["query", missing], "missing")
        assert "or neither" in error["msg"]
    with http_for(engine_server, ACCOUNT_B) as other:
        assert agreement(other, evaluation_id).status_code == 404
