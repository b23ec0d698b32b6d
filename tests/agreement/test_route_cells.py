"""The agreement route's edge cases, on cells written straight into the server's database (as
a finished run or a later import would leave them, the results version bumped as writers do):
booleans, a number against a string, values that cannot be compared, an alias with no
result; then every way a request can be wrong."""

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.agreement.helpers import MISSING, agreement, evaluation_with_cells, http_for
from tests.fixtures.server import ACCOUNT_B, Server


def test_booleans_a_number_against_a_string_and_values_that_cannot_be_compared(
    http: httpx.Client, database: Engine
) -> None:
    evaluation_id, ids = evaluation_with_cells(
        http,
        database,
        {
            "human": [True, False, True, "3", {"x": 1}, True, "x" * 200],
            "judge": [True, True, True, 3, "fine", MISSING, "ok"],
            "nobody": [],
        },
    )
    response = agreement(http, evaluation_id, human="human", judge="judge")
    assert response.status_code == 200, response.text
    body = response.json()
    # Items 0-3 compare; 4 (an object) and 6 (200 characters: free text, not a label) cannot;
    # item 5 has no judge result.
    assert (body["kind"], body["n"], body["human_results"], body["judge_results"]) == (
        "categorical",
        4,
        7,
        6,
    )
    # Every value as a label: booleans first, then numbers, then strings.
    assert body["confusion_matrix"] == {
        "labels": [False, True, 3, "3"],
        "counts": [[0, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]],
    }
    assert body["accuracy"]["value"] == pytest.approx(0.5)
    assert body["disagreements"]["items"] == [
        {"item_id": ids[1], "human": False, "judge": True},
        {"item_id": ids[3], "human": "3", "judge": 3},
    ]
    assert {w["type"] for w in body["warnings"]} == {"mixed_kinds", "not_comparable", "one_sided"}

    # An alias with no result: 200, n 0, every figure null, and the warning says why.
    body = agreement(http, evaluation_id, human="nobody", judge="judge").json()
    assert (body["kind"], body["n"], body["human_results"]) == (None, 0, 0)
    for figure in ("accuracy", "coefficients", "differences", "confusion_matrix", "primary"):
        assert body[figure] is None
    assert body["disagreements"] == {"total": 0, "items": []}
    assert body["warnings"] == [
        {
            "type": "no_data",
            "message": "'nobody' has no result yet (completed or prefilled) on any item",
        }
    ]


def test_numbers_among_labels_are_read_as_stored_on_both_databases(
    http: httpx.Client, database: Engine
) -> None:
    """Mixed kinds compare labels by their JSON text and numbers by their exact value (2.0 is 2,
    -0.0 is 0). PostgreSQL read the numbers through a double, so 2**53 + 1 met 2**53 there,
    and the confusion matrix named a label SQLite did not."""
    evaluation_id, ids = evaluation_with_cells(
        http,
        database,
        {
            "human": [2**53 + 1, 2**53, 2.0, -0.0, 2**64 - 1, "a", "b"],
            "judge": [2**53, 2**53, 2, 0, 2**64 - 1, "a", "a"],
        },
    )
    body = agreement(http, evaluation_id, human="human", judge="judge").json()
    assert (body["kind"], body["n"]) == ("categorical", 7)
    assert body["accuracy"]["value"] == pytest.approx(5 / 7)
    assert body["disagreements"]["items"] == [
        {"item_id": ids[0], "human": 2**53 + 1, "judge": 2**53},
        {"item_id": ids[6], "human": "b", "judge": "a"},
    ]
    assert body["confusion_matrix"]["labels"] == [0, 2, 2**53, 2**53 + 1, 2**64 - 1, "a", "b"]


def test_every_item_one_label_gives_a_null_kappa_with_its_reason(
    http: httpx.Client, database: Engine
) -> None:
    evaluation_id, _ = evaluation_with_cells(
        http, database, {"human": ["yes"] * 5, "judge": ["yes"] * 5}
    )
    body = agreement(http, evaluation_id, human="human", judge="judge").json()
    assert body["accuracy"] == {"value": 1.0, "ci95": [1.0, 1.0], "reason": None}
    for name in ("cohen_kappa", "krippendorff_alpha_nominal"):
        figure = body["coefficients"][name]
        assert figure["value"] is None and figure["ci95"] is None and "0/0" in figure["reason"]
    one, _ = evaluation_with_cells(http, database, {"human": [1.5], "judge": [2.5]})
    body = agreement(http, one, human="human", judge="judge").json()
    assert body["coefficients"]["krippendorff_alpha_interval"] == {
        "value": None,
        "ci95": None,
        "reason": "fewer than 2 items",
    }
    assert body["differences"]["mean"] == {"value": 1.0, "ci95": None, "reason": None}


def test_free_text_gets_accuracy_only(http: httpx.Client, database: Engine) -> None:
    answers = [f"answer {i}" for i in range(60)]
    evaluation_id, _ = evaluation_with_cells(
        http, database, {"human": answers, "judge": answers[:30] + ["other"] * 30}
    )
    body = agreement(http, evaluation_id, human="human", judge="judge").json()
    assert body["kind"] == "categorical" and body["accuracy"]["value"] == pytest.approx(0.5)
    for figure in body["coefficients"].values():
        assert figure["value"] is None and "free text" in figure["reason"]
    assert body["confusion_matrix"] is None
    assert [w["type"] for w in body["warnings"]] == ["many_values"]
    assert body["disagreements"]["total"] == 30 and len(body["disagreements"]["items"]) == 30


def test_bad_requests_name_the_parameter(
    engine_server: Server, http: httpx.Client, database: Engine
) -> None:
    evaluation_id, _ = evaluation_with_cells(http, database, {"human": ["a"], "judge": ["b"]})

    def detail(response: httpx.Response, status: int) -> Any:
        assert response.status_code == status, response.text
        return response.json()["detail"]

    assert detail(agreement(http, "no-such-id", human="human", judge="judge"), 404)
    with http_for(engine_server, ACCOUNT_B) as other:
        assert detail(agreement(other, evaluation_id, human="human", judge="judge"), 404)
    (error,) = detail(agreement(http, evaluation_id, human="humn", judge="judge"), 422)
    assert error["loc"] == ["query", "human"] and "'humn'" in error["msg"]
    assert "'human', 'judge'" in error["msg"]  # the aliases there are
    (error,) = detail(agreement(http, evaluation_id, human="human", judge="jduge"), 422)
    assert error["loc"] == ["query", "judge"]
    (error,) = detail(agreement(http, evaluation_id, human="human"), 422)
    assert error["loc"] == ["query", "judge"] and error["type"] == "missing"
    (error,) = detail(agreement(http, evaluation_id, human="human", judge="human"), 422)
    assert error["loc"] == ["query", "judge"]
    (error,) = detail(agreement(http, evaluation_id, human="", judge="judge"), 422)
    assert error["loc"] == ["query", "human"]

    # Archived: found only when asked for.
    assert http.delete(f"/v5/evaluations/{evaluation_id}").status_code == 200
    assert detail(agreement(http, evaluation_id, human="human", judge="judge"), 404)
    archived = agreement(http, evaluation_id, human="human", judge="judge", include_archived=True)
    assert archived.status_code == 200 and archived.json()["n"] == 1
