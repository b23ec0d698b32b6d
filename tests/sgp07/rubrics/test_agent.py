"""Agent judges that score with a rubric, run for real on the fake model server: the weighted
score and its details, the criteria pinned at create so reruns do not drift, and the 422s of a
rubric that cannot be used."""

from typing import Any

import orjson
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError
from scale_gp_beta.types import AutoEvaluationAgentTaskRequestWithItemLocator, EvaluationItem
from scale_gp_beta.types.evaluation_task import AutoEvaluationAgentEvaluationTask

from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import error_locs, unique
from tests.sgp07.judges.test_task_types import calls_mentioning, items_of, wait_until_done
from tests.sgp07.rubrics.factories import criterion_ids

MODEL, PLAIN = "openai/fake-chat", "plain/fake-chat"
ALIAS = "auto_evaluation_agent"


def agent_task(rubric_id: str, marker: str, model: str = MODEL, **config: Any) -> dict[str, Any]:
    return {
        "task_type": "auto_evaluation.agent",
        "configuration": {
            "name": "grounded",
            "definition": f"{marker}: judge whether the answer is grounded",
            "output_rules": ["Score every criterion"],
            "data_fields": ["question", "answer"],
            "designated_to": {"config": {"model": model}},
            "rubric_id": rubric_id,
            **config,
        },
    }


def verdict(rationale: str, **scores: float) -> str:
    return orjson.dumps({"rationale": rationale, "answer": scores}).decode()


def metadata(item: EvaluationItem, alias: str = ALIAS) -> dict[str, Any]:
    extra: dict[str, Any] = getattr(item, "task_metadata")  # noqa: B009 (a Yardstick extra)
    return extra[alias]  # type: ignore[no-any-return]


def test_each_criterion_is_scored_and_the_cell_holds_the_weighted_score(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    marker = unique("Weighted")
    rubric = engine_client.rubrics.create(
        title="Grounded answers",
        criteria=[
            {"title": "Cites a source", "annotations": {"hint": "a link or a title"}, "weight": 2},
            {"title": "Answers the question"},  # weight 1
        ],
    )
    cited, answered = criterion_ids(rubric)
    fake_models.control(
        replies_for={
            "ANSWER-ONE": [verdict("Cited and answered.", criterion_1=1, criterion_2=1)],
            "ANSWER-TWO": [verdict("No source given.", criterion_1=0, criterion_2=0.5)],
        }
    )
    evaluation = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [
                {"question": "Capital of France?", "answer": "ANSWER-ONE Paris (Britannica)"},
                {"question": "Capital of Peru?", "answer": "ANSWER-TWO Lima"},
            ],
            "tasks": [agent_task(rubric.id, marker)],  # type: ignore[list-item]
        }
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and done.error_count == 0

    one, two = items_of(engine_client, evaluation.id)
    assert one.data[ALIAS] == 1.0
    assert two.data[ALIAS] == pytest.approx((2 * 0 + 1 * 0.5) / 3)
    details = metadata(two)
    assert details["rationale"] == "No source given."
    assert details["rubric"] == {"id": rubric.id, "version": 1}
    assert details["output_type"] == "float"
    assert details["criteria_scores"] == [
        {"id": cited, "version": 1, "title": "Cites a source", "weight": 2.0, "score": 0.0},
        {
            "id": answered,
            "version": 1,
            "title": "Answers the question",
            "weight": 1.0,
            "score": 0.5,
        },
    ]

    (call, _) = calls_mentioning(fake_models, marker)
    prompt = call["messages"][1]["content"]
    assert "### criterion_1 (weight 2)\nCites a source" in prompt
    assert 'Annotations: {"hint":"a link or a title"}' in prompt
    assert "### criterion_2 (weight 1)\nAnswers the question" in prompt
    answer_schema = call["response_format"]["json_schema"]["schema"]["properties"]["answer"]
    assert answer_schema["required"] == ["criterion_1", "criterion_2"]

    # The task as stored: the version used and the criteria it pinned.
    (task,) = engine_client.evaluations.retrieve(evaluation.id, views=["tasks"]).tasks or []
    assert isinstance(task, AutoEvaluationAgentEvaluationTask)
    configuration = task.configuration
    assert isinstance(configuration, AutoEvaluationAgentTaskRequestWithItemLocator)
    assert (configuration.rubric_id, configuration.rubric_version) == (rubric.id, 1)
    pinned = getattr(configuration, "rubric_criteria")  # noqa: B009 (a Yardstick extra)
    assert [(c["id"], c["version"], c["weight"]) for c in pinned] == [
        (cited, 1, 2.0),
        (answered, 1, 1.0),
    ]


def test_reruns_keep_the_pinned_criteria_and_new_tasks_pin_the_version_they_name(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    marker = unique("Pinned")
    rubric = engine_client.rubrics.create(title="Drift", criteria=[{"title": "OLD-TITLE"}])
    (criterion,) = criterion_ids(rubric)
    # The first run fails on its item (an upstream 400), to be retried after the rubric changed.
    fake_models.control(replies_for={marker: [{"status": 400, "message": "try later"}]})
    evaluation = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"question": "q", "answer": "a"}],
            "tasks": [agent_task(rubric.id, marker, PLAIN)],  # type: ignore[list-item]
        }
    )
    assert wait_until_done(engine_client, evaluation.id).error_count == 1

    # Version 2 of the rubric; then, while it is the latest, a changed and a new criterion.
    engine_client.rubrics.update(rubric.id, rubric={"title": "Drift v2"})
    engine_client.rubrics.criteria.update(
        criterion, rubric_id=rubric.id, title="NEW-TITLE", weight=4
    )
    engine_client.rubrics.criteria.create(rubric.id, title="ADDED-LATER")

    fake_models.control(replies_for={marker: [verdict("fine", criterion_1=0.25)]})
    engine_client.post(f"/v5/evaluations/{evaluation.id}/retry", cast_to=object)
    assert wait_until_done(engine_client, evaluation.id).status == "completed"
    (item,) = items_of(engine_client, evaluation.id)
    assert item.data[ALIAS] == 0.25
    assert metadata(item)["criteria_scores"][0]["title"] == "OLD-TITLE"
    retried = calls_mentioning(fake_models, marker)[-1]["messages"][1]["content"]
    assert "OLD-TITLE" in retried and "NEW-TITLE" not in retried and "ADDED-LATER" not in retried

    # Added tasks pin now: the latest version (2), or the version named (1, as it was).
    latest, first = unique("Latest"), unique("First")
    fake_models.control(
        replies_for={
            latest: [verdict("both", criterion_1=1, criterion_2=0)],
            first: [verdict("one", criterion_1=0.5)],
        }
    )
    engine_client.evaluations.tasks.add(
        evaluation.id, task={**agent_task(rubric.id, latest, PLAIN), "alias": "latest"}
    )
    assert wait_until_done(engine_client, evaluation.id).status == "completed"
    engine_client.evaluations.tasks.add(
        evaluation.id,
        task={**agent_task(rubric.id, first, PLAIN, rubric_version=1), "alias": "first"},
    )
    assert wait_until_done(engine_client, evaluation.id).status == "completed"

    (item,) = items_of(engine_client, evaluation.id)
    assert item.data["latest"] == pytest.approx(4 / 5)  # weights 4 and 1
    assert metadata(item, "latest")["rubric"] == {"id": rubric.id, "version": 2}
    assert [c["title"] for c in metadata(item, "latest")["criteria_scores"]] == [
        "NEW-TITLE",
        "ADDED-LATER",
    ]
    assert item.data["first"] == 0.5
    assert metadata(item, "first")["rubric"] == {"id": rubric.id, "version": 1}
    assert metadata(item, "first")["criteria_scores"][0]["title"] == "OLD-TITLE"
    tasks = engine_client.evaluations.retrieve(evaluation.id, views=["tasks"]).tasks or []
    versions = [getattr(t.configuration, "rubric_version", None) for t in tasks]
    assert versions == [1, 2, 1]


def test_a_rubric_that_cannot_be_used_is_a_422_naming_the_field(
    engine_client: SGPClient, other_engine_client: SGPClient
) -> None:
    usable = engine_client.rubrics.create(title=unique("Usable"), criteria=[{"title": "c"}])
    theirs = other_engine_client.rubrics.create(title=unique("Theirs"), criteria=[{"title": "c"}])
    empty = engine_client.rubrics.create(title=unique("Empty"))
    weightless = engine_client.rubrics.create(
        title=unique("Weightless"), criteria=[{"title": "c", "weight": 0}]
    )
    archived = engine_client.rubrics.create(title=unique("Archived"), criteria=[{"title": "c"}])
    engine_client.rubrics.archive(archived.id)

    def refused(task: dict[str, Any]) -> tuple[list[list[Any]], str]:
        with pytest.raises(UnprocessableEntityError) as caught:
            engine_client.evaluations.create(
                evaluation={"name": unique(), "data": [{"question": "q"}], "tasks": [task]}  # type: ignore[list-item]
            )
        return error_locs(caught.value), str(caught.value.body)

    at: list[Any] = ["body", "tasks", 0, "configuration"]
    for rubric_id, says in (
        ("00000000-0000-7000-8000-000000000000", "not found"),
        (theirs.id, "not found"),
        (archived.id, "archived"),
        (empty.id, "no criteria"),
        (weightless.id, "sum to 0"),
    ):
        locs, body = refused(agent_task(rubric_id, "m"))
        assert locs == [[*at, "rubric_id"]] and says in body
    locs, body = refused(agent_task(usable.id, "m", rubric_version=2))
    assert locs == [[*at, "rubric_version"]] and "no version 2" in body
    locs, _ = refused(agent_task(usable.id, "m", output_type="boolean"))
    assert locs == [[*at, "output_type"]]
    no_rubric = agent_task(usable.id, "m", rubric_version=1)
    del no_rubric["configuration"]["rubric_id"]
    assert refused(no_rubric)[0] == [[*at, "rubric_version"]]

    # Adding or changing a task checks the same way, and a refused change changes nothing.
    evaluation = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"question": "q", "answer": "a"}],
            "tasks": [agent_task(usable.id, "m")],  # type: ignore[list-item]
        }
    )
    wait_until_done(engine_client, evaluation.id)
    with pytest.raises(UnprocessableEntityError) as added:
        engine_client.evaluations.tasks.add(evaluation.id, task=agent_task(archived.id, "m"))  # type: ignore[arg-type]
    assert error_locs(added.value) == [["body", "task", "configuration", "rubric_id"]]
    changed = {**agent_task(usable.id, "m")["configuration"], "rubric_version": 9}
    with pytest.raises(UnprocessableEntityError) as updated:
        engine_client.evaluations.tasks.update(
            ALIAS, evaluation_id=evaluation.id, configuration=changed
        )
    assert error_locs(updated.value) == [["body", "configuration", "rubric_version"]]
    tasks = engine_client.evaluations.retrieve(evaluation.id, views=["tasks"]).tasks or []
    assert [getattr(t.configuration, "rubric_version", None) for t in tasks] == [1]
