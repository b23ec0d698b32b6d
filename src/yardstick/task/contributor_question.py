from typing import Any

from yardstick.task.locator import is_locator
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_question, check_str, fail


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


@register
class ContributorEvaluationQuestion(TaskType):
    name = "contributor_evaluation.question"
    default_alias = "contributor_evaluation_question"
    executable = False  # waits for a human; never keeps an evaluation running

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_question(config, loc, ctx)
        check(config, "layout", dict, loc, required=True)
        _check_container(config["layout"], [*loc, "layout"])
        check_str(config, "queue_id", loc)
        # `prefill_from` names a data column whose value, where an item has one, is the task's
        # result from the start; `rubric_id` is stored for human review to score with.
        prefill_from = check_str(config, "prefill_from", loc)
        if prefill_from is not None and not prefill_from.strip():
            fail([*loc, "prefill_from"], "must name a data column")
        check(config, "required", bool, loc)
        check_str(config, "rubric_id", loc)
