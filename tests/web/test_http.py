"""The UI over plain HTTP: sign-in rules, CSRF, the 4xx pages and isolation between accounts."""

import base64
import re
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from tests.fixtures.server import ACCOUNT_B
from tests.web.conftest import Seeded, api, csrf_of, web_client
from yardstick.web.evaluation.service import TRACE_SPANS


def _text(response: httpx.Response) -> str:
    """The page's text without its tags, on one line."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def test_pages_need_a_session(seeded: Seeded) -> None:
    with httpx.Client(base_url=seeded.server.base_url, follow_redirects=False) as anonymous:
        assert anonymous.get("/").headers["location"] == "/login"
        page = anonymous.get(f"/evaluations/{seeded.evaluation_id}", params={"sort": "f1"})
        assert page.status_code == 303
        assert (
            page.headers["location"]
            == f"/login?next=/evaluations/{seeded.evaluation_id}%3Fsort%3Df1"
        )
        swap = anonymous.get("/evaluations", headers={"hx-request": "true"})
        assert swap.status_code == 204 and swap.headers["hx-redirect"].startswith("/login")
        # A fragment polled by a page: signed in again, back to the page, not the fragment.
        page_url = f"{seeded.server.base_url}/evaluations/{seeded.evaluation_id}?sort=f1"
        polled = anonymous.get(
            f"/evaluations/{seeded.evaluation_id}/progress",
            headers={"hx-request": "true", "hx-current-url": page_url},
        )
        assert polled.headers["hx-redirect"] == (
            f"/login?next=/evaluations/{seeded.evaluation_id}%3Fsort%3Df1"
        )
        elsewhere = anonymous.get(
            "/evaluations",
            headers={"hx-request": "true", "hx-current-url": "https://evil.example//x"},
        )
        assert elsewhere.headers["hx-redirect"] == "/login?next=/evaluations"
        export = anonymous.get(f"/evaluations/{seeded.evaluation_id}/export")
        assert export.status_code == 303
        # A forged or tampered cookie is no session.
        anonymous.cookies.set("yardstick_session", "AAAA" + "x" * 80)
        assert anonymous.get("/evaluations").status_code == 303
    with web_client(seeded.server) as signed_in:
        good = signed_in.cookies["yardstick_session"]
        signed_in.cookies.set(
            "yardstick_session", good[:-4] + ("AAAA" if good[-4:] != "AAAA" else "BBBB")
        )
        assert signed_in.get("/evaluations").status_code == 303


def test_forms_refuse_a_missing_or_wrong_csrf_token(seeded: Seeded) -> None:
    server = seeded.server
    with httpx.Client(base_url=server.base_url, follow_redirects=False) as client:
        form = client.get("/login")
        body = {"account_id": "acct-a", "api_key": server.keys["acct-a"]}
        assert client.post("/login", data=body).status_code == 403
        assert client.post("/login", data={**body, "csrf_token": "0" * 64}).status_code == 403
        assert (
            client.post("/login", data={**body, "csrf_token": csrf_of(form.text)}).status_code
            == 303
        )
    with web_client(server) as signed_in:
        page = signed_in.get("/evaluations")
        assert signed_in.post("/logout").status_code == 403
        refused = signed_in.post("/logout", data={"csrf_token": "wrong"})
        assert refused.status_code == 403 and "CSRF" in refused.text
        assert signed_in.get("/evaluations").status_code == 200  # still signed in
        out = signed_in.post("/logout", data={"csrf_token": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert signed_in.get("/evaluations").status_code == 303


def _cursor(sort: str, value: object, item_id: str) -> str:
    """A cursor of the results table's sorted pages, as the page writes one, for `value`."""
    raw = orjson.dumps(["v", sort, "asc", value, item_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ({"limit": "abc"}, 422, "limit"),
        ({"limit": "0"}, 422, "limit"),
        ({"order": "sideways"}, 422, "order"),
        ({"sort": "nope"}, 422, "sort"),
        ({"task_status": "answer"}, 422, "task_status"),
        ({"task_status": "answer:lost"}, 422, "task_status"),
        ({"task_status": "nope:errored"}, 422, "task_status"),
        ({"error_type": "nope:Timeout"}, 422, "error_type"),
        ({"score_alias": "f1", "score_min": "high"}, 422, "score_min"),
        ({"score_min": "0.5"}, 422, "score_alias"),
        ({"score_alias": "f1", "score_min": "1", "score_max": "0"}, 422, "score_min"),
        ({"after": "not-a-cursor"}, 422, "after"),
        ({"sort": "f1", "after": "WyJpIixudWxsLCJhc2MiLG51bGwsIngiXQ"}, 422, "after"),
        # Forged cursors whose value is not of the sort column's kind: PostgreSQL refused to
        # compare them (a 500).
        ({"sort": "f1", "after": _cursor("f1", "abc", "x")}, 422, "after"),
        ({"sort": "f1", "after": _cursor("f1", True, "x")}, 422, "after"),
        ({"sort": "f1", "after": _cursor("f1", -1, "\x00")}, 422, "after"),
        ({"sort": "verdict", "after": _cursor("verdict", 1.5, "x")}, 422, "after"),
        ({"sort": "verdict", "after": _cursor("verdict", "a\x00", "x")}, 422, "after"),
    ],
)
def test_bad_parameters_are_pages_naming_them(
    seeded: Seeded, query: dict[str, str], status: int, names: str
) -> None:
    with web_client(seeded.server) as client:
        response = client.get(f"/evaluations/{seeded.evaluation_id}", params=query)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert f"{names} :" in _text(response)


def test_unknown_ids_and_paths_are_404_pages(seeded: Seeded) -> None:
    evaluation = seeded.evaluation_id
    with web_client(seeded.server) as client:
        assert client.get("/evaluations", params={"after": "nope"}).status_code == 422
        for path in (
            "/evaluations/nope",
            f"/evaluations/{evaluation}/items/nope",
            # An item of another evaluation of the same account is not this one's.
            f"/evaluations/{seeded.other_evaluation_id}/items/{seeded.item_ids[0]}",
            f"/evaluations/{evaluation}/no/such/page",
            "/evaluations/nope/export",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Not found" in response.text and response.headers["content-type"].startswith(
                "text/html"
            )
        # A path no route has: the 404 page for a browser (it was a line of JSON), JSON for
        # the APIs and for a client that asks for no HTML.
        browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        for path, html in (("/nope", True), ("/evaluationz/x", True), ("/docs/nope", False)):
            response = client.get(path, headers=browser)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html") is html, path
        plain = client.get("/nope", headers={"accept": "application/json"})
        assert plain.status_code == 404 and plain.json() == {"detail": "Not Found"}


def test_an_error_page_leads_back_to_its_section(seeded: Seeded) -> None:
    with web_client(seeded.server) as client:
        for path, back in (
            ("/datasets/nope", '<a href="/datasets">Back to the datasets</a>'),
            ("/dashboards/nope", '<a href="/dashboards">Back to the dashboards</a>'),
            ("/evaluations/nope", '<a href="/evaluations">Back to the evaluations</a>'),
        ):
            response = client.get(path)
            assert response.status_code == 404 and back in response.text, path


def test_another_accounts_data_is_invisible(seeded: Seeded) -> None:
    evaluation, item = seeded.evaluation_id, seeded.item_ids[0]
    with web_client(seeded.server, ACCOUNT_B) as b:
        listing = b.get("/evaluations", params={"limit": 200})
        assert seeded.name not in listing.text and "account b&#39;s secret" in listing.text
        assert b.get("/evaluations", params={"tag": seeded.tag}).text.count("<tr>") == 0
        for path in (
            f"/evaluations/{evaluation}",
            f"/evaluations/{evaluation}/cards",
            f"/evaluations/{evaluation}/progress",
            f"/evaluations/{evaluation}/export?format=jsonl",
            f"/evaluations/{evaluation}/items/{item}",
        ):
            response = b.get(path)
            assert response.status_code == 404, path
            assert seeded.name not in response.text
    with web_client(seeded.server) as a:
        assert a.get(f"/evaluations/{seeded.other_evaluation_id}").status_code == 404
        assert a.get(f"/evaluations/{evaluation}").status_code == 200


def test_docs_and_static_files_need_no_internet(seeded: Seeded) -> None:
    with httpx.Client(base_url=seeded.server.base_url) as client:
        docs = client.get("/docs")
        assert docs.status_code == 200
        assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", docs.text)
        assert len(assets) >= 3 and all("//" not in a for a in assets)
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        login = client.get("/login")
        for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)""", login.text):
            assert client.get(asset).status_code == 200, asset
        assert "http" not in " ".join(re.findall(r'(?:src|href)="([^"]+)"', login.text))


def test_links_carry_the_score_range_as_given(seeded: Seeded) -> None:
    """The next page's, the sort headers' and the export's links filter by the range the page
    was asked for (they once wrote it to six digits: 0.99999999 became 1)."""
    with web_client(seeded.server) as client:
        response = client.get(
            f"/evaluations/{seeded.evaluation_id}",
            params={"score_alias": "f1", "score_min": "1e-9", "score_max": "0.99999999"},
        )
    assert response.status_code == 200, response.text
    highs = set(re.findall(r"score_max=([^&\"]+)", response.text))
    lows = set(re.findall(r"score_min=([^&\"]+)", response.text))
    assert highs == {"0.99999999"} and lows == {"1e-09"}, (highs, lows)


def test_an_item_page_says_when_its_trace_is_cut(seeded: Seeded) -> None:
    """More spans in an item's trace than the page shows (the oldest): it says so, and a cell
    whose calls are past the cut says that, where it said none was ever recorded. Spans
    written into the trace as from long before the run push the run's calls past it."""
    item_id = seeded.item_ids[-1]  # no other test opens it
    early = datetime(2000, 1, 1, tzinfo=UTC)
    spans = [
        {
            "id": f"early-{item_id}-{i}",
            "trace_id": item_id,
            "name": f"early {i}",
            "start_timestamp": (early + timedelta(seconds=i)).isoformat(),
            "end_timestamp": (early + timedelta(seconds=i, milliseconds=5)).isoformat(),
            # An input count alone, as an embeddings call reports.
            "output": {"usage": {"prompt_tokens": 1234}} if i == 0 else {},
        }
        for i in range(TRACE_SPANS + 1)
    ]
    with api(seeded.server) as http:
        assert http.put("/v5/spans/batch", json={"items": spans}).status_code == 200
    with web_client(seeded.server) as client:
        page = client.get(f"/evaluations/{seeded.evaluation_id}/items/{item_id}")

    assert page.status_code == 200
    text = _text(page)
    assert f"traces hold more than {TRACE_SPANS} spans" in text
    assert f"calls are past the first {TRACE_SPANS} spans" in text
    assert "no model call of this cell was recorded" not in text
    assert "· 1,234 in tokens" in text  # was "1234 in, None out tokens"
    assert "None out" not in text
