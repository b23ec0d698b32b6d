"""`GET /v5/evaluations/{id}/agreement` on runs of the engine: a human's answers prefilled from a
dataset column against an LLM judge (scripted per row on the fake model server) and a metric.
Every figure is checked against a hand count or a reference library, on the values the items
themselves report."""

from typing import Any

import httpx
import krippendorff as reference
import numpy as np
import pytest
from scale_gp_beta import SGPClient
from sklearn.metrics import cohen_kappa_score

from tests.agreement.helpers import agreement, contributor_task
from tests.conftest import make_client
from tests.execution.helpers import MODEL, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server

# Twelve rows; the human labelled the first ten. The judge's answer per row: it agrees on 8 of
# them, and fails on the last row (no label there anyway).
HUMAN = ["good"] * 6 + ["bad"] * 4
JUDGE = ["good"] * 5 + ["bad", "bad", "bad", "good", "bad", "good"]
# Ratings 1-5: the human's and the judge's; they differ on rows 2, 5, 7 (by 2) and 8.
HUMAN_STARS = [5, 4, 4, 3, 2, 1, 5, 3, 2, 4]
JUDGE_STARS = [5, 4, 3, 3, 2, 2, 5, 5, 1, 4]
HUMAN_SCORES = [0.9, 0.5, 0.25, 1.0, 0.0, 0.75, 0.6, 0.3, 0.8, 0.1]
EXPECTED = "a b c d"


@pytest.fixture
def client(engine_server: Server) -> SGPClient:
    return make_client(engine_server)


def question(client: SGPClient, kind: str, configuration: dict[str, Any]) -> str:
    return client.questions.create(
        name=f"agreement {kind}", prompt="Judge it", question_type=kind, configuration=configuration
    ).id


def values(client: SGPClient, evaluation_id: str, alias: str) -> dict[str, Any]:
    """{item id: result} as the items report them, in row order."""
    return {item.id: item.data[alias] for item in items_of(client, evaluation_id)}


def test_a_judge_against_prefilled_human_labels(
    client: SGPClient, http: httpx.Client, fake_models: FakeModels
) -> None:
    script: dict[str, list[Any]] = {f"<<c{i}>>": [answer] for i, answer in enumerate(JUDGE)}
    script["<<c11>>"] = [{"status": 400, "message": "the fake model refuses"}] * 3
    fake_models.control(replies_for=script)
    rows = [
        {"input": f"c{i}", **({"label": HUMAN[i]} if i < len(HUMAN) else {})} for i in range(12)
    ]
    choices = {"choices": ["good", "bad"]}
    tasks = [
        {
            "task_type": "auto_evaluation.guided_decoding",
            "alias": "verdict",
            "configuration": {"model": MODEL, "prompt": "Judge <<{{item.input}}>>", **choices},
        },
        contributor_task("review", question(client, "categorical", choices), "label"),
    ]
    evaluation = client.evaluations.create(name="agreement labels", data=rows, tasks=tasks)
    wait_until_done(client, evaluation.id)

    response = agreement(http, evaluation.id, human="review", judge="verdict")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "evaluation_agreement"
    assert (body["human"], body["judge"], body["kind"], body["primary"]) == (
        "review",
        "verdict",
        "categorical",
        "cohen_kappa",
    )
    assert (body["items"], body["human_results"], body["judge_results"], body["n"]) == (
        12,
        10,
        11,
        10,
    )

    # By hand: 8 of 10 agree; each says "good" 6 times of 10, so chance agreement is
    # 0.6 * 0.6 + 0.4 * 0.4 = 0.52, and kappa = (0.8 - 0.52) / (1 - 0.52).
    kappa = body["coefficients"]["cohen_kappa"]
    assert body["accuracy"]["value"] == pytest.approx(0.8)
    assert kappa["value"] == pytest.approx((0.8 - 0.52) / 0.48)
    # The same, from the values the items report, by the reference libraries.
    human = values(client, evaluation.id, "review")
    judge = values(client, evaluation.id, "verdict")
    both = [item for item in human if human[item] is not None and judge[item] is not None]
    assert len(both) == 10
    h, j = [human[i] for i in both], [judge[i] for i in both]
    assert kappa["value"] == pytest.approx(cohen_kappa_score(h, j))
    codes = {"bad": 0, "good": 1}
    nominal = reference.alpha(
        [[codes[v] for v in h], [codes[v] for v in j]], level_of_measurement="nominal"
    )
    assert body["coefficients"]["krippendorff_alpha_nominal"]["value"] == pytest.approx(nominal)
    for figure in (body["accuracy"], *body["coefficients"].values()):
        low, high = figure["ci95"]
        assert low <= figure["value"] <= high and figure["reason"] is None
    assert body["differences"] is None

    # Rows: the human's label; columns: the judge's.
    assert body["confusion_matrix"] == {"labels": ["bad", "good"], "counts": [[3, 1], [1, 5]]}
    ids = list(human)
    assert body["disagreements"] == {
        "total": 2,
        "items": [
            {"item_id": ids[5], "human": "good", "judge": "bad"},
            {"item_id": ids[8], "human": "bad", "judge": "good"},
        ],
    }
    warnings = {w["type"]: w["message"] for w in body["warnings"]}
    assert set(warnings) == {"errored_cells", "one_sided"}
    assert "'verdict' errored on 1 item:" in warnings["errored_cells"]
    assert warnings["one_sided"].startswith("0 items have a result from 'review' only and 1 ")
    assert body["ci_method"].startswith("percentile bootstrap over items, 1000 resamples, seed 0")

    # Seeded: the same request, the same answer; the official client's generic call, as the
    # reference shows it, gets it too.
    assert agreement(http, evaluation.id, human="review", judge="verdict").json() == body
    params = {"human": "review", "judge": "verdict"}
    path = f"/v5/evaluations/{evaluation.id}/agreement"
    assert client.get(path, options={"params": params}, cast_to=object) == body

    # `review` is a contributor alias, so its reviewers come along: prefilled answers are no
    # reviewer's, so there is nothing to compare. A judge as the human has no reviewers.
    (reviewers,) = body["reviewers"].values()
    assert (reviewers["alias"], reviewers["n"]) == ("review", 0)
    assert [w["type"] for w in reviewers["warnings"]] == ["no_data"]
    swapped = agreement(http, evaluation.id, human="verdict", judge="review").json()
    assert swapped["reviewers"] == {} and swapped["n"] == 10


def test_a_rating_judge_and_a_metric_against_prefilled_human_numbers(
    client: SGPClient, http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(
        replies_for={
            f"<<n{i}>>": [f'{{"rationale": "r", "answer": {stars}}}']
            for i, stars in enumerate(JUDGE_STARS)
        }
    )
    rating = question(client, "rating", {"min_label": "bad", "max_label": "good", "steps": 5})
    number = question(client, "number", {"min": 0, "max": 1})
    rows = [
        {
            "input": f"n{i}",
            "stars_given": HUMAN_STARS[i],
            "score_given": HUMAN_SCORES[i],
            "answer": " ".join("abcdxyz"[: i % 7 + 1]),
            "expected": EXPECTED,
        }
        for i in range(10)
    ]
    tasks = [
        {
            "task_type": "auto_evaluation.question",
            "alias": "stars",
            "configuration": {
                "model": MODEL,
                "question_id": rating,
                "prompt": "Rate <<{{item.input}}>>",
            },
        },
        contributor_task("human_stars", rating, "stars_given"),
        {
            "task_type": "metric",
            "alias": "score",
            "configuration": {
                "type": "f1",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
        contributor_task("human_score", number, "score_given"),
    ]
    evaluation = client.evaluations.create(name="agreement numbers", data=rows, tasks=tasks)
    wait_until_done(client, evaluation.id)
    ids = list(values(client, evaluation.id, "stars"))

    # A rating scale: interval alpha, and quadratic kappa over 1..5.
    body = agreement(http, evaluation.id, human="human_stars", judge="stars").json()
    assert (body["kind"], body["n"], body["primary"], body["warnings"]) == (
        "numeric",
        10,
        "krippendorff_alpha_interval",
        [],
    )
    assert values(client, evaluation.id, "stars") == dict(zip(ids, JUDGE_STARS, strict=True))
    figures = body["coefficients"]
    assert set(figures) == {"krippendorff_alpha_interval", "cohen_kappa_quadratic"}
    interval = reference.alpha([HUMAN_STARS, JUDGE_STARS], level_of_measurement="interval")
    assert figures["krippendorff_alpha_interval"]["value"] == pytest.approx(interval)
    quadratic = cohen_kappa_score(
        HUMAN_STARS, JUDGE_STARS, weights="quadratic", labels=[1, 2, 3, 4, 5]
    )
    assert figures["cohen_kappa_quadratic"]["value"] == pytest.approx(quadratic)
    assert body["accuracy"]["value"] == pytest.approx(0.6)
    gaps = np.array(JUDGE_STARS) - np.array(HUMAN_STARS)
    assert body["differences"]["mean"]["value"] == pytest.approx(gaps.mean())
    assert body["differences"]["mean_absolute"]["value"] == pytest.approx(np.abs(gaps).mean())
    assert body["confusion_matrix"]["labels"] == [1, 2, 3, 4, 5]
    assert body["confusion_matrix"]["counts"][2] == [0, 0, 1, 0, 1]  # the human's 3s: 3 and 5
    # Largest gap first, then row order.
    assert [d["item_id"] for d in body["disagreements"]["items"]] == [
        ids[7],
        ids[2],
        ids[5],
        ids[8],
    ]
    assert body["disagreements"]["items"][0] == {"item_id": ids[7], "human": 3, "judge": 5}

    # Continuous numbers (f1): interval alpha, no rating scale, no confusion matrix.
    body = agreement(http, evaluation.id, human="human_score", judge="score").json()
    scores = list(values(client, evaluation.id, "score").values())
    assert body["kind"] == "numeric" and body["n"] == 10
    assert set(body["coefficients"]) == {"krippendorff_alpha_interval"}
    expected = reference.alpha([HUMAN_SCORES, scores], level_of_measurement="interval")
    assert body["coefficients"]["krippendorff_alpha_interval"]["value"] == pytest.approx(expected)
    assert body["confusion_matrix"] is None
    differences = np.array(scores) - np.array(HUMAN_SCORES)
    assert body["differences"]["mean"]["value"] == pytest.approx(differences.mean())
    assert body["disagreements"]["total"] == int((differences != 0).sum())
