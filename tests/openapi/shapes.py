"""Responses checked against the description the server publishes at `/openapi.json`.

For each response: its status must be declared for its operation (exactly, as `4XX`, or as
`default`), its media type must be one declared for that status, and a JSON body must both
validate against the declared schema (JSON Schema 2020-12, which FastAPI's OpenAPI 3.1 schemas
are) and hold no key the schema does not declare. The second half is what catches drift:
JSON Schema lets undeclared keys through unless told otherwise, and the server builds its
bodies by hand, not from the models it publishes. A schema that declares
`additionalProperties: true` (a pass-through such as an upstream model's answer, or a free
dict) says on purpose that any key may come.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator

JSON = "application/json"
_PARAM = re.compile(r"\{[^/}]+\}")
_SHAPE_KEYWORDS = (
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "const",
    "enum",
)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    operation: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


@dataclass
class Shapes:
    spec: dict[str, Any]
    answered: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    routes: list[Route] = field(init=False)

    def __post_init__(self) -> None:
        routes = [
            Route(
                method.upper(),
                template,
                _pattern(template),
                operation,
            )
            for template, operations in self.spec["paths"].items()
            for method, operation in operations.items()
        ]
        # The most literal template first: `/v5/credentials/name/{name}` before `/{id}/...`.
        self.routes = sorted(
            routes, key=lambda r: (len(_PARAM.findall(r.template)), -len(r.template))
        )

    @property
    def operations(self) -> set[str]:
        return {route.name for route in self.routes}

    def route(self, method: str, path: str) -> Route | None:
        for route in self.routes:
            if route.method == method and route.pattern.fullmatch(path):
                return route
        return None

    def check(self, response: httpx.Response) -> None:
        """Record every way `response` differs from what its operation declares."""
        method, path = response.request.method, response.request.url.path
        route = self.route(method, path)
        if route is None:
            self.problem(f"{method} {path}: no operation in /openapi.json")
            return
        status = response.status_code
        where = f"{route.name} → {status}"
        responses: dict[str, Any] = route.operation.get("responses", {})
        declared = (
            responses.get(str(status))
            or responses.get(f"{status // 100}XX")
            or responses.get("default")
        )
        if declared is None:
            self.problem(f"{where}: status not declared (declared: {sorted(responses)})")
            return
        if 200 <= status < 300:
            self.answered.add(route.name)
        content: dict[str, Any] = declared.get("content", {})
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content:
            if response.content:
                self.problem(f"{where}: a {media} body, but no content declared")
            return
        key = _media_key(media, content)
        if key is None:
            self.problem(f"{where}: {media} is not declared (declared: {sorted(content)})")
            return
        if key != JSON:
            return  # a file or a stream: the media type is all the description says
        schema = content[key].get("schema")
        if schema is None or not any(k in self.resolve(schema) for k in _SHAPE_KEYWORDS):
            self.problem(f"{where}: JSON body, but the schema describes no shape")
            return
        for problem in self.validate(schema, response.json()):
            self.problem(f"{where}: {problem}")

    def problem(self, text: str) -> None:
        if text not in self.problems:  # a route called ten times differs ten times alike
            self.problems.append(text)

    # Schemas -------------------------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target: Any = self.spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        return schema

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        # The components ride along in the root, so `#/components/schemas/...` resolves.
        return Draft202012Validator({**schema, "components": self.spec.get("components", {})})

    def validate(self, schema: dict[str, Any], body: Any) -> list[str]:
        problems = [
            f"{error.json_path}: {_short(error.message)}"
            for error in self.validator(schema).iter_errors(body)
        ]
        return problems or self.undeclared(schema, body, "$")

    def undeclared(self, schema: dict[str, Any], value: Any, where: str) -> list[str]:
        """The keys of `value`, at any depth, that `schema` does not declare."""
        schema = self.resolve(schema)
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                fits = [s for s in schema[combinator] if self.validator(s).is_valid(value)]
                found = [self.undeclared(s, value, where) for s in fits]
                return min(found, key=len) if found else []
        problems = [
            problem
            for part in schema.get("allOf", [])
            for problem in self.undeclared(part, value, where)
        ]
        if isinstance(value, dict):
            properties: dict[str, Any] | None = schema.get("properties")
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if properties is not None and key in properties:
                    problems += self.undeclared(properties[key], item, f"{where}.{key}")
                elif isinstance(extra, dict):
                    problems += self.undeclared(extra, item, f"{where}.{key}")
                elif properties is not None and extra is not True:
                    problems.append(f"{where}.{key} is in the body but not in the schema")
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                problems += self.undeclared(schema["items"], item, f"{where}[{i}]")
        return problems


def _pattern(template: str) -> re.Pattern[str]:
    """`/v5/x/{x_id}` → a regex of the paths it names (a parameter is one path segment)."""
    return re.compile("[^/]+".join(re.escape(part) for part in _PARAM.split(template)))


def _media_key(media: str, content: dict[str, Any]) -> str | None:
    if media in content:
        return media
    kind = media.split("/")[0]
    for key in (f"{kind}/*", "*/*"):
        if key in content:
            return key
    return None


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
