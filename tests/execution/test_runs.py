"""A run through the official client: results, chaining, templates and per-cell errors."""

from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, extra, items_of, search_spans, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server


def test_results_land_under_their_alias_and_chain(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    rows = [{"input": f"question {i}", "n": {"list": [i, i + 1]}} for i in range(60)]
    evaluation = engine_client.evaluations.create(
        name="chain",
        data=rows,
        tasks=[
            chat_task("answer"),
            chat_task("followup", "Was {{ item.answer }} right about {{item.n.list.1}}?"),
            {
                "alias": "raw",
                "configuration": {
                    "model": "openai/fake-chat",
                    "args": {"messages": [{"role": "user", "content": "item.answer"}]},
                },
            },
        ],
    )
    assert evaluation.status == "running"
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    assert extra(done, "progress")["items"] == {
        "total": 60,
        "successful": 60,
        "failed": 0,
        "pending": 0,
        "failed_items": [],
    }
    assert extra(done, "error_count") == 0

    items = items_of(engine_client, evaluation.id)
    assert [item.data["input"] for item in items] == [row["input"] for row in rows]
    for index, item in enumerate(items):
        assert item.data["answer"] == f"echo: question {index}"
        assert item.data["followup"] == f"echo: Was echo: question {index} right about {index + 1}?"
        assert (
            item.data["raw"]["choices"][0]["message"]["content"] == f"echo: echo: question {index}"
        )
        assert extra(item, "task_result_statuses") == {
            "answer": "completed",
            "followup": "completed",
            "raw": "completed",
        }
        assert extra(item, "task_errors") == {}
        metadata = extra(item, "task_metadata")["answer"]
        assert metadata["finish_reason"] == "stop"
        assert metadata["usage"]["total_tokens"] > 0
        assert metadata["attempts"] == 1
    usage = extra(done, "usage")
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert fake_models.stats()["total"] == 180


def test_missing_fields_and_failed_upstream_are_cell_errors(engine_client: SGPClient) -> None:
    evaluation = engine_client.evaluations.create(
        name="errors",
        data=[{"input": "fine"}, {"other": "no input here"}],
        tasks=[chat_task("answer"), chat_task("judge", "Judge: {{item.answer}}")],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"  # per-cell errors never fail the run
    items = extra(done, "progress")["items"]
    assert {k: items[k] for k in ("total", "successful", "failed", "pending")} == {
        "total": 2,
        "successful": 1,
        "failed": 1,
        "pending": 0,
    }
    assert [f["error_type"] for f in items["failed_items"]] == ["ItemLocatorError"]
    assert extra(done, "error_count") == 2

    good, bad = items_of(engine_client, evaluation.id)
    assert good.data["judge"] == "echo: Judge: echo: fine"
    assert bad.data["answer"] is None and bad.data["judge"] is None
    errors = extra(bad, "task_errors")
    assert errors["answer"]["type"] == "ItemLocatorError"
    assert "item.input" in errors["answer"]["message"]
    assert errors["judge"]["type"] == "UpstreamTaskError"
    assert extra(bad, "task_result_statuses") == {"answer": "errored", "judge": "errored"}


def test_non_executable_and_unsupported_tasks(engine_client: SGPClient) -> None:
    question = engine_client.questions.create(
        name="ok?",
        prompt="Is it ok?",
        question_type="categorical",
        configuration={"choices": ["yes", "no"]},
    )
    evaluation = engine_client.evaluations.create(
        name="mixed",
        data=[{"input": "a"}],
        tasks=[
            chat_task("answer"),
            {
                "task_type": "application_variant",
                "configuration": {"application_variant_id": "app-1", "inputs": {"q": "item.input"}},
            },
            {
                "configuration": {
                    "question_id": question.id,
                    "layout": {"children": [{"data": "item.answer"}]},
                }
            },
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    [item] = items_of(engine_client, evaluation.id)
    statuses = extra(item, "task_result_statuses")
    assert statuses == {
        "answer": "completed",
        "application_variant": "errored",
        "contributor_evaluation_question": "pending",
    }
    assert extra(item, "task_errors")["application_variant"]["type"] == "UnsupportedTask"
    assert item.data["contributor_evaluation_question"] is None


def test_archiving_stops_a_run(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(latency_ms=200)
    evaluation = engine_client.evaluations.create(
        name="stopped", data=[{"input": str(i)} for i in range(400)], tasks=[chat_task("answer")]
    )
    engine_client.evaluations.delete(evaluation.id)
    calls_at_archive = fake_models.stats()["total"]
    import time

    time.sleep(2)
    calls_after = fake_models.stats()["total"]
    # Calls already in flight may finish, and a chunk stops at its next flush; nothing more.
    assert calls_after - calls_at_archive <= 8 + 8 * 2
    assert calls_after < 400


def test_a_locator_of_the_wrong_type_errors_only_its_cell(engine_client: SGPClient) -> None:
    # `inference_configuration` and `args` read objects from the item; where an item holds
    # something else, that cell errors and the rest of the run goes on.
    evaluation = engine_client.evaluations.create(
        name="wrong types",
        data=[
            {"input": "a", "settings": {"num_retries": 0}, "args": {"prompt": "a"}},
            {"input": "b", "settings": "fast", "args": {"prompt": "b"}},
            {"input": "c", "settings": [1], "args": {"prompt": "c"}},
            {"input": "d", "settings": {}, "args": "d"},
        ],
        tasks=[
            {
                "task_type": "inference",
                "alias": "raw",
                "configuration": {
                    "model": "openai/fake-chat",
                    "args": "item.args",
                    "inference_configuration": "item.settings",
                },
            },
            chat_task("answer"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    items = items_of(engine_client, evaluation.id)
    assert [extra(item, "task_result_statuses")["raw"] for item in items] == [
        "completed",
        "errored",
        "errored",
        "errored",
    ]
    assert all(extra(item, "task_result_statuses")["answer"] == "completed" for item in items)
    errors = [extra(item, "task_errors")["raw"] for item in items[1:]]
    assert {error["type"] for error in errors} == {"InvalidConfiguration"}
    assert "`inference_configuration` must resolve to an object, got str" in errors[0]["message"]
    assert "got list" in errors[1]["message"]
    assert "`args` must resolve to an object" in errors[2]["message"]


def test_a_run_condition_on_a_model_call_is_honoured_and_never_sent(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    only_english = {"op": "eq", "left": {"op": "var", "path": "lang"}, "right": "en"}
    evaluation = engine_client.evaluations.create(
        name="conditional calls",
        data=[{"input": "a", "lang": "en"}, {"input": "b", "lang": "fr"}],
        tasks=[
            chat_task("answer", run_condition=only_english),
            {
                "alias": "raw",
                "configuration": {
                    "model": "openai/fake-chat",
                    "args": {"prompt": "item.input"},
                    "run_condition": only_english,
                },
            },
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    english, french = items_of(engine_client, evaluation.id)
    assert extra(english, "task_result_statuses") == {"answer": "completed", "raw": "completed"}
    assert english.data["answer"] == "echo: a"
    assert extra(french, "task_result_statuses") == {"answer": "skipped", "raw": "skipped"}
    assert (french.data["answer"], french.data["raw"]) == (None, None)
    calls = fake_models.requests()
    assert len(calls) == 2
    assert all("run_condition" not in call["body"] for call in calls)


def test_every_model_call_of_a_run_is_a_span_of_its_items_trace(
    engine_server: Server, engine_client: SGPClient, fake_models: FakeModels
) -> None:
    rows = [{"input": f"question {i}", "expected": f"echo: question {i}"} for i in range(3)]
    fake_models.control(fail_next=[{"status": 400, "message": "no such thing"}])
    evaluation = engine_client.evaluations.create(
        name="traced",
        data=rows,
        tasks=[
            chat_task("answer"),
            chat_task("followup", "Was {{ item.answer }} right?"),
            {
                "task_type": "metric",
                "alias": "bleu",
                "configuration": {
                    "type": "bleu",
                    "candidate": "item.answer",
                    "reference": "item.expected",
                },
            },
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    items = items_of(engine_client, evaluation.id)
    spans = search_spans(engine_server, {"extra_metadata": {"evaluation_id": evaluation.id}})
    calls = [span for span in spans if span["parent_id"] is not None]
    roots = {span["trace_id"]: span for span in spans if span["parent_id"] is None}
    # One trace per item; a span per model call (the metric calls none; the followup of the
    # item whose answer failed is never asked); nothing else.
    assert set(roots) == {item.id for item in items}
    assert len(calls) == fake_models.stats()["total"] == 5
    errored = [span for span in calls if span["status"] == "ERROR"]
    assert len(errored) == 1 and errored[0]["output"]["error"]["type"] == "UpstreamRejected"
    assert "no such thing" in errored[0]["output"]["error"]["message"]
    for item in items:
        metadata = extra(item, "task_metadata")
        assert metadata["answer"]["trace_id"] == item.id
        assert "trace_id" not in metadata.get("bleu", {})
        root = roots[item.id]
        assert root["type"] == "TRACER" and root["metadata"]["evaluation_id"] == evaluation.id
        mine = sorted(
            (span for span in calls if span["trace_id"] == item.id), key=lambda s: s["name"]
        )
        answer = mine[0]
        names = ["answer: openai /chat/completions", "followup: openai /chat/completions"]
        assert [span["name"] for span in mine] == names[: 1 if answer in errored else 2]
        assert all(span["parent_id"] == root["id"] for span in mine)
        assert answer["input"]["messages"][0]["content"] == item.data["input"]
        if answer["status"] == "SUCCESS":
            content = answer["output"]["choices"][0]["message"]["content"]
            assert content == item.data["answer"]
            assert answer["input_tokens"] == answer["output"]["usage"]["prompt_tokens"] > 0
            assert answer["output_tokens"] == answer["output"]["usage"]["completion_tokens"]
        assert answer["type"] == "COMPLETION" and answer["metadata"]["alias"] == "answer"
        assert answer["metadata"]["call"]["attempts"] == 1
        assert answer["start_timestamp"] <= answer["end_timestamp"]
        assert root["start_timestamp"] <= answer["start_timestamp"]
    # The trace is found from the item, by its id.
    traced = search_spans(engine_server, {"trace_ids": [items[0].id]})
    assert len(traced) == 1 + sum(span["trace_id"] == items[0].id for span in calls)
