"""`contributor_evaluation.question`: a question a person answers (see yardstick.annotation).

Configuration: `question_id` and `layout` (required); `queue_id` (the annotation queue its items
are answered in; tasks sharing one are answered together, one screen per item), `prefill_from`,
`required`, `rubric_id` (with `rubric_version`), and Yardstick's `reviewers_per_item` (how many
people answer each item, 1 to 10, default 1; tasks sharing a queue must agree on it, which the
evaluation checks, not this task alone).

With a `rubric_id` (a live rubric of the account) a reviewer scores each criterion and the
answer is their weighted mean, as an agent judge's is; the criteria are pinned when the task is
created or changed, exactly as an agent's are (`rubric_version`, `rubric_criteria`), so every
reviewer scores against the same criteria.
"""

from typing import Any

from yardstick.task.agent import pin_agent
from yardstick.task.locator import is_locator
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_question, check_str, fail

MAX_REVIEWERS = 10
# The column that stores a queue id (annotation_tasks.queue_id).
MAX_QUEUE_ID_LENGTH = 256


def _check_container(node: Any, loc: Loc) -> None:
    if not isinstance(node, dict):
        fail(loc, "must be an object (a container with `children` or a component with `data`)")
    if "children" in node:
        if not isinstance(node["children"], list):
            fail([*loc, "children"], "must be a list")
        if node.get("direction") not in (None, "row", "column"):
            fail([*loc, "direction"], "must be 'row' or 'column'")
        for index, child in enumerate(node["children"]):
            _check_container(child, [*loc, "children", index])
    elif "data" in node:
        if not is_locator(node["data"]):
            fail([*loc, "data"], "must be an item locator like 'item.field'")
        if "label" in node and not isinstance(node["label"], str):
            fail([*loc, "label"], "must be a string")
    else:
        fail(loc, "must have `children` (a container) or `data` (a component)")


def reviewers_per_item(config: dict[str, Any]) -> int:
    """How many people answer each item (a validated configuration's, or the default 1)."""
    value = config.get("reviewers_per_item")
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


@register
class ContributorEvaluationQuestion(TaskType):
    name = "contributor_evaluation.question"
    default_alias = "contributor_evaluation_question"
    executable = False  # waits for a human; never keeps an evaluation running

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_question(config, loc, ctx)
        check(config, "layout", dict, loc, required=True)
        layout = config["layout"]
        if "children" not in layout:
            # Both clients read `layout` as a container (children required): a bare component
            # made every evaluation page holding the task fail to parse.
            fail([*loc, "layout", "children"], "required: the layout is a container")
        _check_container(layout, [*loc, "layout"])
        queue_id = check_str(config, "queue_id", loc)
        if queue_id is not None and not queue_id.strip():
            fail([*loc, "queue_id"], "must name a queue (leave it out for the default queue)")
        if queue_id is not None and len(queue_id) > MAX_QUEUE_ID_LENGTH:
            fail([*loc, "queue_id"], f"must be at most {MAX_QUEUE_ID_LENGTH} characters")
        # `prefill_from` names a data column whose value, where an item has one, is the task's
        # result from the start.
        prefill_from = check_str(config, "prefill_from", loc)
        if prefill_from is not None and not prefill_from.strip():
            fail([*loc, "prefill_from"], "must name a data column")
        check(config, "required", bool, loc)
        reviewers = check(config, "reviewers_per_item", int, loc)
        if reviewers is not None and not 1 <= reviewers <= MAX_REVIEWERS:
            fail([*loc, "reviewers_per_item"], f"must be from 1 to {MAX_REVIEWERS}")
        rubric_id = check_str(config, "rubric_id", loc)
        version = check(config, "rubric_version", int, loc)
        if rubric_id is None and version is not None:
            fail([*loc, "rubric_version"], "a rubric_version needs a rubric_id")
        if rubric_id == "":
            fail([*loc, "rubric_id"], "must not be empty")
        if version is not None and version < 1:
            fail([*loc, "rubric_version"], "must be at least 1")

    def pin(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> dict[str, Any]:
        return pin_agent(config, loc, ctx)
