"""`POST /v5/comparisons` end to end: real runs on a real server, each figure checked against
scipy on the values the items themselves report, then every way a request can be wrong."""

import random
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import pytest
from scale_gp_beta import SGPClient
from scipy import stats

from tests.dataset.factories import unique
from tests.execution.helpers import items_of, wait_until_done
from yardstick.compare.service import free_text

# 40 rows: `exact` scores 1 where the answer is the reference and 0 where it shares no word;
# `score` is f1 of a partial answer; `review` is a prefilled categorical answer.
N = 40
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
]


def rows(right: Sequence[bool], partial: Sequence[int], reviews: Sequence[str]) -> list[Any]:
    out = []
    for index, (is_right, kept, review) in enumerate(zip(right, partial, reviews, strict=True)):
        reference = f"row {index} " + " ".join(WORDS)
        out.append(
            {
                "id": f"row-{index}",
                "expected": reference,
                "answer": reference if is_right else "zzz",
                "partial": f"row {index} " + " ".join(WORDS[:kept]),
                "label": review,
            }
        )
    return out


def tasks(question_id: str, *, metric: str = "f1") -> list[Any]:
    return [
        {
            "task_type": "metric",
            "alias": "exact",
            "configuration": {
                "type": "f1",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "metric",
            "alias": "score",
            "configuration": {
                "type": metric,
                "candidate": "item.partial",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "contributor_evaluation.question",
            "alias": "review",
            "configuration": {
                "question_id": question_id,
                "layout": {"children": [{"data": "item.expected"}]},
                "prefill_from": "label",
            },
        },
    ]


def question(client: SGPClient) -> str:
    return client.questions.create(
        name=unique("q"),
        prompt="Good?",
        question_type="categorical",
        configuration={"choices": ["good", "bad", "ugly"]},
    ).id


def run(client: SGPClient, data: list[Any], task_list: list[Any]) -> str:
    evaluation = client.evaluations.create(name=unique("cmp"), data=data, tasks=task_list)
    wait_until_done(client, evaluation.id)
    return evaluation.id


def results(client: SGPClient, evaluation_id: str, alias: str) -> dict[str, Any]:
    """{row id: result} as the items report them."""
    return {item.data["id"]: item.data[alias] for item in items_of(client, evaluation_id)}


def compare(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/v5/comparisons", json=body)


@pytest.fixture
def two_runs(client: SGPClient) -> tuple[str, str]:
    rng = random.Random(7)
    q = question(client)
    reviews = [rng.choice(["good", "bad"]) for _ in range(N)]
    baseline = rows([i < 10 for i in range(N)], [rng.randint(0, 6) for _ in range(N)], reviews)
    candidate_reviews = [r if i % 4 else "ugly" for i, r in enumerate(reviews)]
    candidate = rows(
        [i < 35 for i in range(N)], [rng.randint(3, 10) for _ in range(N)], candidate_reviews
    )
    rng.shuffle(candidate)  # pairing must not depend on order
    return run(client, baseline, tasks(q)), run(client, candidate, tasks(q))


def metric(body: dict[str, Any], alias: str) -> dict[str, Any]:
    (found,) = [m for m in body["metrics"] if m["alias"] == alias]
    return found


def test_a_better_candidate_improves_and_the_figures_match_scipy(
    client: SGPClient, http: httpx.Client, two_runs: tuple[str, str]
) -> None:
    baseline_id, candidate_id = two_runs
    response = compare(
        http, baseline_evaluation_id=baseline_id, candidate_evaluation_id=candidate_id, pair_by="id"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "comparison"
    # The rows differ (they hold the answers), so they pair by the column named.
    assert body["pairing"] == {
        "by": "column:id",
        "pairs": N,
        "baseline_only": 0,
        "candidate_only": 0,
    }
    assert [m["alias"] for m in body["metrics"]] == ["exact", "review", "score"]

    exact = metric(body, "exact")
    assert exact["kind"] == "binary" and exact["n"] == N
    assert (exact["baseline_mean"], exact["candidate_mean"]) == (10 / N, 35 / N)
    assert exact["delta"] == pytest.approx(25 / N)
    assert (exact["improved"], exact["regressed"], exact["unchanged"]) == (25, 0, 15)
    assert exact["test"] == "exact McNemar"
    assert exact["p_value"] == pytest.approx(stats.binomtest(25, 25, 0.5).pvalue)
    assert exact["ci_low"] <= exact["delta"] <= exact["ci_high"] and exact["ci_low"] > 0
    assert exact["verdict"] == "improved"
    assert len(exact["most_improved"]) == 25 and exact["most_regressed"] == []

    # The numeric metric, against scipy on the values the items report.
    before = results(client, baseline_id, "score")
    after = results(client, candidate_id, "score")
    differences = np.array([after[key] - before[key] for key in before])
    score = metric(body, "score")
    assert score["kind"] == "numeric" and score["n"] == N
    assert score["delta"] == pytest.approx(differences.mean())
    assert score["test"] == "Wilcoxon signed-rank"
    expected_p = stats.wilcoxon(differences[differences != 0], zero_method="wilcox").pvalue
    assert score["p_value"] == pytest.approx(expected_p)
    assert score["verdict"] == "improved" and score["mde"] > 0
    # Its paired differences binned, symmetric around zero, every pair counted once.
    edges, counts = score["histogram"]["edges"], score["histogram"]["counts"]
    reach = np.abs(differences).max()
    assert edges[0] == pytest.approx(-reach) and edges[-1] == pytest.approx(reach)
    assert sum(counts) == N and len(edges) == len(counts) + 1
    expected_counts, _ = np.histogram(differences, bins=np.array(edges))
    assert counts == expected_counts.tolist()

    # The categorical one: every fourth answer became "ugly".
    review = metric(body, "review")
    assert review["kind"] == "categorical" and review["verdict"] == "changed"
    assert review["histogram"] is None and exact["histogram"] is None
    ugly = next(c for c in review["categories"] if c["value"] == "ugly")
    assert (ugly["gained"], ugly["lost"], ugly["baseline_share"]) == (10, 0, 0.0)

    # Holm over every test of the comparison: no adjusted p below its raw one.
    assert all(m["p_adjusted"] >= m["p_value"] for m in body["metrics"])
    # The same request, the same answer (the bootstrap is seeded).
    again = compare(
        http, baseline_evaluation_id=baseline_id, candidate_evaluation_id=candidate_id, pair_by="id"
    )
    assert again.json() == body


def test_the_other_way_round_it_regresses_and_lower_is_better_flips_it(
    http: httpx.Client, two_runs: tuple[str, str]
) -> None:
    baseline_id, candidate_id = two_runs
    body = compare(
        http,
        baseline_evaluation_id=candidate_id,
        candidate_evaluation_id=baseline_id,
        aliases=["exact"],
        pair_by="id",
    ).json()
    (exact,) = body["metrics"]
    assert exact["verdict"] == "regressed" and len(exact["most_regressed"]) == 25
    flipped = compare(
        http,
        baseline_evaluation_id=candidate_id,
        candidate_evaluation_id=baseline_id,
        aliases=["exact"],
        higher_is_better={"exact": False},
        pair_by="id",
    ).json()
    assert flipped["metrics"][0]["verdict"] == "improved"


def test_pairs_by_dataset_item_by_a_column_and_counts_what_is_left_over(
    client: SGPClient, http: httpx.Client
) -> None:
    q = question(client)
    data = rows([True] * 12, [5] * 12, ["good"] * 12)
    dataset = client.datasets.create(name=unique("d"), data=data)
    first = client.evaluations.create(name=unique("a"), dataset_id=dataset.id, tasks=tasks(q))
    second = client.evaluations.create(name=unique("b"), dataset_id=dataset.id, tasks=tasks(q))
    for evaluation in (first, second):
        wait_until_done(client, evaluation.id)
    body = compare(http, baseline_evaluation_id=first.id, candidate_evaluation_id=second.id).json()
    assert body["pairing"]["by"] == "dataset_item_id" and body["pairing"]["pairs"] == 12
    assert all(m["verdict"] == "no_significant_difference" for m in body["metrics"])
    # The same rows sent inline, in another order and key order: paired by their content.
    shuffled = [dict(reversed(row.items())) for row in reversed(data)]
    inline = run(client, shuffled, tasks(q))
    body = compare(http, baseline_evaluation_id=first.id, candidate_evaluation_id=inline).json()
    assert body["pairing"] == {
        "by": "content_hash",
        "pairs": 12,
        "baseline_only": 0,
        "candidate_only": 0,
    }

    # Inline rows that differ except for `id`: paired by that column; 3 extra rows unpaired.
    changed = [{**row, "partial": "x"} for row in data] + rows([True] * 3, [1] * 3, ["bad"] * 3)
    for row in changed[12:]:
        row["id"] = f"extra-{row['id']}"
    third = run(client, changed, tasks(q))
    body = compare(
        http, baseline_evaluation_id=first.id, candidate_evaluation_id=third, pair_by="id"
    ).json()
    assert body["pairing"] == {
        "by": "column:id",
        "pairs": 12,
        "baseline_only": 0,
        "candidate_only": 3,
    }
    assert "unpaired_items" in {w["type"] for w in body["warnings"]}


def test_errored_cells_are_missing_data_and_other_configurations_are_flagged(
    client: SGPClient, http: httpx.Client
) -> None:
    q = question(client)
    data = rows([True] * 10, [5] * 10, ["good"] * 10)
    broken = [dict(row) for row in data]
    for row in broken[:4]:
        del row["expected"]  # the metrics of these rows fail: no reference
    baseline = run(client, data, tasks(q))
    candidate = run(client, broken, tasks(q, metric="rougeL"))
    body = compare(
        http, baseline_evaluation_id=baseline, candidate_evaluation_id=candidate, pair_by="id"
    ).json()
    exact = metric(body, "exact")
    assert exact["n"] == 6 and exact["errored"] == {"baseline": 0, "candidate": 4}
    assert exact["verdict"] == "no_significant_difference"  # not 4 fails
    warnings = [(w["type"], w["message"]) for w in body["warnings"]]
    errored = [message for kind, message in warnings if kind == "errored_cells"]
    assert [message.split(" among")[0] for message in errored] == [
        f"'{alias}' has 0 errored cells in the baseline and 4 in the candidate"
        for alias in ("exact", "score")
    ]
    assert (
        "different_task_configuration",
        "'score' is configured differently: different type",
    ) in warnings
    assert "unscored_pairs" not in {kind for kind, _ in warnings}  # errored is not unscored


def test_pairs_left_unscored_in_a_finished_run_are_counted_in_a_warning(
    client: SGPClient, http: httpx.Client
) -> None:
    q = question(client)
    data = rows([True] * 10, [5] * 10, ["good"] * 10)
    unreviewed = [dict(row) for row in data]
    for row in unreviewed[:2]:
        del row["label"]  # nothing to prefill: the review cell stays pending
    baseline, candidate = run(client, data, tasks(q)), run(client, unreviewed, tasks(q))
    body = compare(
        http,
        baseline_evaluation_id=baseline,
        candidate_evaluation_id=candidate,
        pair_by="id",
        aliases=["review"],
    ).json()

    assert metric(body, "review")["n"] == 8
    # Once left out with no word: the 2 pairs showed only as n 8 against 10 pairs.
    message = (
        "'review' has 0 paired rows without a result in the baseline and 2 in the candidate "
        "(cells pending, skipped or cancelled, or never run): those pairs are left out of its test"
    )
    assert [(w["type"], w["message"]) for w in body["warnings"]] == [("unscored_pairs", message)]


def test_a_group_compares_its_first_member_with_each_other(
    client: SGPClient, http: httpx.Client, two_runs: tuple[str, str]
) -> None:
    baseline_id, candidate_id = two_runs
    group = http.post(
        "/v5/evaluation-groups",
        json={
            "name": unique("g"),
            "evaluation_ids": [baseline_id, candidate_id, baseline_id + "x"],
        },
    )
    assert group.status_code == 400  # a group of evaluations that exist
    group = http.post(
        "/v5/evaluation-groups",
        json={
            "name": unique("g"),
            "evaluation_ids": [baseline_id, candidate_id],
            # The rows hold the answers, so they differ: the group says what identifies one.
            "row_identifiers": {baseline_id: "id", candidate_id: "id"},
        },
    ).json()
    body = compare(http, evaluation_group_id=group["id"], aliases=["exact"]).json()
    assert body["object"] == "comparison_list"
    (only,) = body["comparisons"]
    assert only["pairing"]["by"] == "column:id"
    assert (only["baseline_evaluation_id"], only["candidate_evaluation_id"]) == two_runs
    assert only["metrics"][0]["verdict"] == "improved"
    # A member the baseline does not pair with fails the group's comparison, named (the 422
    # said only what was wrong, of a group of many).
    stranger = client.evaluations.create(name=unique("s"), data=[{"id": "nobody"}]).id
    odd = http.post(
        "/v5/evaluation-groups",
        json={
            "name": unique("g"),
            "evaluation_ids": [baseline_id, candidate_id, stranger],
            "row_identifiers": {baseline_id: "id", candidate_id: "id", stranger: "id"},
        },
    ).json()
    refused = compare(http, evaluation_group_id=odd["id"], aliases=["exact"])
    assert refused.status_code == 422
    assert f"member {stranger!r} against the baseline {baseline_id!r}: " in refused.text
    # A deleted group is gone, as for GET: a 404, not a group without members.
    assert http.delete(f"/v5/evaluation-groups/{group['id']}").status_code == 200
    assert http.get(f"/v5/evaluation-groups/{group['id']}").status_code == 404
    assert compare(http, evaluation_group_id=group["id"]).status_code == 404


def test_bad_requests_are_refused_naming_the_field(
    client: SGPClient, other_client: SGPClient, http: httpx.Client, two_runs: tuple[str, str]
) -> None:
    baseline_id, candidate_id = two_runs
    pair = {"baseline_evaluation_id": baseline_id, "candidate_evaluation_id": candidate_id}

    def refused(status: int, body: dict[str, Any]) -> Any:
        response = http.post("/v5/comparisons", json=body)
        assert response.status_code == status, response.text
        return response.json()["detail"]

    foreign = other_client.evaluations.create(name=unique("x"), data=[{"a": 1}]).id
    for missing in ("no-such-evaluation", foreign):
        refused(404, {**pair, "candidate_evaluation_id": missing})
    refused(404, {"evaluation_group_id": "no-such-group"})
    detail = refused(422, {**pair, "candidate_evaluation_id": baseline_id})
    assert "compare an evaluation with another" in str(detail)
    for alpha in (0, -0.1, 0.51, "x"):
        assert refused(422, {**pair, "alpha": alpha})[0]["loc"] == ["body", "alpha"]
    detail = refused(422, {**pair, "aliases": ["exact", "nope"]})
    assert detail[0]["loc"] == ["body", "aliases", 1] and "'nope'" in detail[0]["msg"]
    assert refused(422, {**pair, "higher_is_better": {"nope": True}})[0]["loc"] == [
        "body",
        "higher_is_better",
        "nope",
    ]
    # Only a boolean is a direction: "no" or 0 read as false would flip the verdict silently.
    for direction in ("no", 0, 1, "true", None):
        assert refused(422, {**pair, "higher_is_better": {"exact": direction}})[0]["loc"] == [
            "body",
            "higher_is_better",
            "exact",
        ]
    refused(422, {"baseline_evaluation_id": baseline_id})
    refused(422, {**pair, "evaluation_group_id": "g"})
    refused(422, {**pair, "unknown": 1})
    # Nothing in common: no shared alias, or no pair.
    q = question(client)
    elsewhere = run(client, rows([True] * 3, [2] * 3, ["good"] * 3), tasks(q))
    other_rows = run(client, [{"id": "q", "expected": "a", "answer": "b"}], tasks(q)[:1])
    assert "no item of the baseline pairs" in str(
        refused(422, {"baseline_evaluation_id": baseline_id, "candidate_evaluation_id": other_rows})
    )
    no_alias = run(client, [{"z": 1}], [])
    assert "share no alias" in str(
        refused(422, {"baseline_evaluation_id": elsewhere, "candidate_evaluation_id": no_alias})
    )


@pytest.mark.parametrize(
    ("distinct", "pairs", "free"),
    [(12, 12, True), (6, 12, False), (7, 12, True), (5, 4, False), (6, 4, True), (20, 1000, False)]
    + [(21, 1000, True), (3, 3, False)],
)
def test_which_categorical_aliases_are_free_text(distinct: int, pairs: int, free: bool) -> None:
    assert free_text(distinct, pairs) is free


def test_a_free_text_alias_is_not_tested_and_leaves_the_others_as_they_were(
    client: SGPClient, http: httpx.Client
) -> None:
    """A short answer that differs on every row (a chat answer, a note) would be one test per
    value, each weakening the Holm adjustment of the metrics that matter."""
    note_question = client.questions.create(
        name=unique("q"), prompt="Notes?", question_type="free_text"
    ).id
    rng = random.Random(11)
    task_list = [
        tasks("unused")[1],  # `score`: f1 of a partial answer
        {
            "task_type": "contributor_evaluation.question",
            "alias": "note",
            "configuration": {
                "question_id": note_question,
                "layout": {"children": [{"data": "item.expected"}]},
                "prefill_from": "remark",
            },
        },
    ]

    def data(low: int, high: int, side: str) -> list[Any]:
        out = rows([True] * N, [rng.randint(low, high) for _ in range(N)], ["good"] * N)
        return [{**row, "remark": f"{side} note {i}"} for i, row in enumerate(out)]

    baseline = run(client, data(0, 6, "before"), task_list)
    candidate = run(client, data(3, 10, "after"), task_list)
    both = compare(
        http, baseline_evaluation_id=baseline, candidate_evaluation_id=candidate, pair_by="id"
    )
    assert both.status_code == 200, both.text
    body = both.json()
    note = metric(body, "note")
    assert (note["kind"], note["n"], note["verdict"]) == (
        "categorical",
        0,
        "no_significant_difference",
    )
    assert note["p_value"] is None and note["categories"] is None
    assert [w["type"] for w in body["warnings"] if "'note'" in w["message"]] == ["free_text"]
    alone = compare(
        http,
        baseline_evaluation_id=baseline,
        candidate_evaluation_id=candidate,
        pair_by="id",
        aliases=["score"],
    ).json()
    assert metric(body, "score") == metric(alone, "score")
    assert metric(body, "score")["verdict"] == "improved"


def test_a_groups_identifiers_pair_by_paths_and_else_by_content(
    client: SGPClient, http: httpx.Client
) -> None:
    """A dotted identifier (`meta.qid`) joined rows on a dashboard but was a 422 here; so was
    an identifier for one member only, though the docs say "else by content"; and each 422
    blamed a `pair_by` never sent."""
    q = question(client)
    base = [{**row, "meta": {"qid": row["id"]}} for row in rows([True] * 6, [3] * 6, ["good"] * 6)]
    baseline_id = run(client, base, tasks(q))
    candidate_id = run(client, list(reversed(base)), tasks(q))

    def group(identifiers: dict[str, str]) -> str:
        body = {
            "name": unique("g"),
            "evaluation_ids": [baseline_id, candidate_id],
            "row_identifiers": identifiers,
        }
        found: str = http.post("/v5/evaluation-groups", json=body).json()["id"]
        return found

    nested = group({baseline_id: "meta.qid", candidate_id: "meta.qid"})
    (only,) = compare(http, evaluation_group_id=nested, aliases=["exact"]).json()["comparisons"]
    assert (only["pairing"]["by"], only["metrics"][0]["n"]) == ("column:meta.qid", 6)
    one_sided = group({baseline_id: "meta.qid"})
    (only,) = compare(http, evaluation_group_id=one_sided, aliases=["exact"]).json()["comparisons"]
    assert (only["pairing"]["by"], only["metrics"][0]["n"]) == ("content_hash", 6)
    missing = group({baseline_id: "nope", candidate_id: "nope"})
    refused = compare(http, evaluation_group_id=missing, aliases=["exact"])
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "evaluation_group_id"]
