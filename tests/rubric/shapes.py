"""Every rubric route, called for tests/openapi/test_response_shapes.py, which checks each
answer against `/openapi.json` (its `Api` is passed in)."""

from typing import Any


def exercise_rubrics(api: Any) -> None:
    rubric = api.post(
        "/v5/rubrics",
        json={
            "title": "shapes",
            "tags": ["t"],
            "criteria": [{"title": "cites", "annotations": {"hint": "a link"}, "weight": 2}],
        },
    )
    path = f"/v5/rubrics/{rubric['id']}"
    criterion = api.post(f"{path}/criteria", json={"title": "polite"})
    api.patch(f"{path}/criteria/{criterion['id']}", json={"weight": 0.5})
    api.get(f"{path}/criteria/{criterion['id']}/versions", params={"limit": 1})
    api.get(path)
    api.patch(path, json={"title": "every shape"})
    assert api.get("/v5/rubrics", params={"title": "every"})["items"][0]["criteria"]
    api.delete(path)
    api.call("DELETE", path, status=409)
    api.patch(path, json={"restore": True})
    api.call("PATCH", path, json={"title": ""}, status=422)
    api.call("GET", "/v5/rubrics/nope", status=404)
