"""Structured output, the `response_format` shape of `auto_evaluation.guided_decoding`.

`response_format` is a JSON Schema, or OpenAI's wrapper of one:
`{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`. The schema is checked
at create (a valid JSON Schema whose root is an object, every `$ref` a JSON pointer into the
schema itself, so no answer can ever be unusable), and again at run time, since templates in it
were filled in from the item. The judge sends it with the vendor's JSON-schema mode and stores
the parsed object under the alias.
"""

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from yardstick.errors import Unprocessable
from yardstick.judge.structured import structure
from yardstick.kit import bounded_schema
from yardstick.kit.list_index import list_index
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check, check_model, check_str, fail

DEFAULT_NAME = "structured_output"
# OpenAI's rule for `json_schema.name`.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Keywords whose values are data, not subschemas: a `$ref` key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


@dataclass(frozen=True)
class ResponseFormat:
    schema: dict[str, Any]
    name: str
    strict: bool


def read_response_format(value: Any, loc: Loc) -> ResponseFormat:
    """The schema, name and strictness of a `response_format`; a 422 at the bad field."""
    if not isinstance(value, dict):
        fail(loc, "must be an object: a JSON Schema or {type: json_schema, json_schema: {...}}")
    kind = value.get("type")
    if kind in ("json_object", "text"):
        fail([*loc, "type"], f"{kind!r} is not supported: give a JSON Schema of the object")
    name: str | None
    if kind != "json_schema":
        schema, name, strict = value, DEFAULT_NAME, False
        where = loc
    else:
        wrapper = value.get("json_schema")
        inner = [*loc, "json_schema"]
        if not isinstance(wrapper, dict):
            missing = wrapper is None
            fail(
                inner, "field required: an object with `schema`" if missing else "must be an object"
            )
        schema = check(wrapper, "schema", dict, inner, required=True)
        name = check_str(wrapper, "name", inner)
        if name is None:
            name = DEFAULT_NAME
        elif not _NAME.match(name):
            fail([*inner, "name"], "must be 1 to 64 letters, digits, '_' or '-'")
        strict = bool(check(wrapper, "strict", bool, inner))
        where = [*inner, "schema"]
    check_schema(schema, where)
    return ResponseFormat(schema=schema, name=name, strict=strict)


def check_schema(schema: dict[str, Any], loc: Loc) -> None:
    # validator_for returns `default` as given for an unknown $schema, but jsonschema annotates
    # `default` as a validator class only (and the return as never None).
    if "$schema" in schema and (
        not isinstance(schema["$schema"], str) or validator_for(schema, default=None) is None  # type: ignore[arg-type]
    ):
        fail([*loc, "$schema"], "unknown metaschema; leave it out to use JSON Schema 2020-12")
    try:
        # Its patterns too: the judge's replies are checked against them on the event loop,
        # where a pattern RE2 cannot run (or one `re` runs, beside `unevaluatedProperties`)
        # could backtrack for minutes on one reply.
        bounded_schema.check_schema(schema)
        _check_refs(schema, schema, loc)
    except SchemaError as exc:
        fail([*loc, *exc.path], f"not a valid JSON Schema: {exc.message}")
    except bounded_schema.UnboundedPattern as exc:
        fail([*loc, *exc.path], str(exc))
    except RecursionError:
        fail(loc, "the schema is nested too deeply")
    if schema.get("type") != "object":
        fail([*loc, "type"], 'must be "object": the result is the JSON object the model returns')


def _check_refs(node: Any, root: dict[str, Any], loc: Loc) -> None:
    if isinstance(node, list):
        for index, inner in enumerate(node):
            _check_refs(inner, root, [*loc, index])
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and not _resolves(ref, root):
        fail(
            [*loc, "$ref"],
            f"{ref!r} does not resolve: only JSON pointers into this schema (#/...) can be used",
        )
    for key, inner in node.items():
        if key not in _DATA_KEYWORDS:
            _check_refs(inner, root, [*loc, key])


def _resolves(ref: str, root: dict[str, Any]) -> bool:
    if ref == "#":
        return True
    if not ref.startswith("#/"):
        return False
    target: Any = root
    for token in ref[2:].split("/"):
        token = urllib.parse.unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and token in target:
            target = target[token]
        elif isinstance(target, list) and (index := list_index(token, len(target))) is not None:
            target = target[index]
        else:
            return False
    return isinstance(target, dict | bool)


def validate(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
    check_model(config, loc, ctx)
    check_str(config, "prompt", loc, required=True)
    check_str(config, "system_prompt", loc)
    check(config, "inference_args", dict, loc)
    read_response_format(config.get("response_format"), [*loc, "response_format"])
    check_run_condition(config, loc)


async def execute(config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
    prompt, system_prompt = config.get("prompt"), config.get("system_prompt")
    inference_args = config.get("inference_args")
    if not isinstance(prompt, str) or not isinstance(system_prompt, str | None):
        raise TaskFailure("InvalidConfiguration", "`prompt` and `system_prompt` must be text")
    if inference_args is not None and not isinstance(inference_args, dict):
        raise TaskFailure("InvalidConfiguration", "`inference_args` must be an object")
    try:
        # Checked again: templates inside the schema were filled in from the item.
        response_format = read_response_format(config.get("response_format"), ["response_format"])
    except Unprocessable as exc:
        (error,) = exc.detail
        where = ".".join(map(str, error["loc"]))
        raise TaskFailure("InvalidConfiguration", f"{where}: {error['msg']}") from exc
    return await structure(
        ctx,
        model=config["model"],
        prompt=prompt,
        schema=response_format.schema,
        schema_name=response_format.name,
        strict=response_format.strict,
        system_prompt=system_prompt,
        inference_args=inference_args,
    )
