"""Upload, metadata and download."""

import hashlib
import os
from typing import Any, cast

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.file.helpers import blob_path, multipart, staging_files
from tests.fixtures.server import Server


def test_multi_megabyte_binary_round_trip(server: Server, client: SGPClient) -> None:
    data = os.urandom(8 * 1024 * 1024 + 17)
    md5 = hashlib.md5(data).hexdigest()
    created = client.files.create(file=("weights.bin", data, "application/octet-stream"))
    assert created.object == "file"
    assert (created.filename, created.size, created.md5_checksum) == ("weights.bin", len(data), md5)
    assert created.mime_type == "application/octet-stream"
    assert created.tags == {}
    assert created.created_by_user_id
    assert blob_path(server, created.id).stat().st_size == len(data)

    with client.files.content.with_streaming_response.retrieve(created.id) as response:
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"] == 'attachment; filename="weights.bin"'
        digest = hashlib.md5()
        received = 0
        for chunk in response.iter_bytes():
            digest.update(chunk)
            received += len(chunk)
    assert (received, digest.hexdigest()) == (len(data), md5)
    assert client.files.retrieve(created.id).model_dump() == created.model_dump()
    assert staging_files(server) == []


def test_json_file_content_comes_back_parsed(client: SGPClient) -> None:
    created = client.files.create(file=("rows.json", b'{"a": [1, 2]}'))
    assert created.mime_type == "application/json"
    assert client.files.content.retrieve(created.id) == {"a": [1, 2]}


def test_text_file_keeps_its_declared_type(client: SGPClient) -> None:
    created = client.files.create(file=("notes.csv", b"a,b\n1,2\n", "text/csv"))
    assert created.mime_type == "text/csv"
    assert client.files.content.retrieve(created.id) == "a,b\n1,2\n"


def test_a_download_says_the_stored_type_as_it_is(http: httpx.Client) -> None:
    """A text/* type came back with "; charset=utf-8" added, which a Latin-1 file is not."""
    for declared in ("text/plain", "text/csv; charset=iso-8859-1"):
        body, content_type = multipart(
            [
                (
                    b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
                    b"Content-Type: " + declared.encode(),
                    "caf\xe9".encode("latin-1"),
                )
            ]
        )
        created = http.post("/v5/files", content=body, headers={"content-type": content_type})
        assert created.status_code == 200, created.text
        download = http.get(f"/v5/files/{created.json()['id']}/content")
        assert download.headers["content-type"] == declared
        assert download.content == "caf\xe9".encode("latin-1")


def test_raw_bytes_get_the_default_name_and_type(client: SGPClient) -> None:
    created = client.files.create(file=b"\x00\x01\x02")
    assert (created.filename, created.mime_type, created.size) == (
        "upload",
        "application/octet-stream",
        3,
    )


def test_empty_file(client: SGPClient) -> None:
    created = client.files.create(file=("empty.txt", b""))
    assert (created.size, created.md5_checksum) == (0, hashlib.md5(b"").hexdigest())
    assert client.files.content.retrieve(created.id) == ""


def test_mime_type_is_guessed_from_the_name_when_the_part_has_none(http: httpx.Client) -> None:
    body, content_type = multipart(
        [(b'Content-Disposition: form-data; name="file"; filename="pic.png"', b"\x89PNG")]
    )
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 200
    assert (response.json()["filename"], response.json()["mime_type"]) == ("pic.png", "image/png")


def test_a_mime_type_that_is_not_ascii_is_guessed_instead(http: httpx.Client) -> None:
    """`ü/ü` was stored as `Ã¼/Ã¼` (the header's bytes read as latin-1)."""
    body, content_type = multipart(
        [
            (
                b'Content-Disposition: form-data; name="file"; filename="pic.png"\r\n'
                + "Content-Type: ü/ü".encode(),
                b"\x89PNG",
            )
        ]
    )
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 200
    assert response.json()["mime_type"] == "image/png"


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        # RFC 5987's form, alone: the file was stored as `upload`, of the default type.
        (b"filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt", "日本.txt"),
        (b"filename=\"fallback.txt\"; filename*=utf-8''na%C3%AFve.txt", "naïve.txt"),
        (b"filename*=ISO-8859-1''caf%E9.txt", "café.txt"),
        (b"filename=\"kept.txt\"; filename*=x-unknown''a.txt", "kept.txt"),
        (b"filename*=UTF-8''\xe6\x97\xa5.txt", "æ¥.txt"),  # raw bytes: Latin-1, printable kept
    ],
)
def test_an_extended_filename_is_read(http: httpx.Client, disposition: bytes, name: str) -> None:
    body, content_type = multipart(
        [(b'Content-Disposition: form-data; name="file"; ' + disposition, b"text")]
    )
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    assert (response.json()["filename"], response.json()["mime_type"]) == (name, "text/plain")


def test_part_without_a_filename_or_type(http: httpx.Client) -> None:
    body, content_type = multipart([(b'Content-Disposition: form-data; name="file"', b"hello")])
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 200
    assert response.json()["filename"] == "upload"
    assert response.json()["mime_type"] == "application/octet-stream"


def test_only_the_file_part_is_stored(http: httpx.Client) -> None:
    body, content_type = multipart(
        [
            (b'Content-Disposition: form-data; name="purpose"', b"eval"),
            (
                (
                    b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
                    b"Content-Type: text/plain"
                ),
                b"first",
            ),
            (b'Content-Disposition: form-data; name="file"; filename="b.txt"', b"second"),
        ]
    )
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 200
    created = response.json()
    assert (created["filename"], created["size"], created["mime_type"]) == (
        "a.txt",
        5,
        "text/plain",
    )
    assert http.get(f"/v5/files/{created['id']}/content").content == b"first"


def test_path_components_are_stripped_from_the_name(client: SGPClient) -> None:
    created = client.files.create(file=("../../etc/passwd", b"x", "text/plain"))
    assert created.filename == "passwd"


def test_non_ascii_name_is_kept_and_encoded_for_download(client: SGPClient) -> None:
    created = client.files.create(file=("résumé.txt", "é".encode(), "text/plain"))
    assert created.filename == "résumé.txt"
    response = client.files.content.with_raw_response.retrieve(created.id)
    assert (
        response.headers["content-disposition"]
        == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt"
    )


def test_missing_file_part_is_422(http: httpx.Client) -> None:
    body, content_type = multipart([(b'Content-Disposition: form-data; name="other"', b"x")])
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "file"]]


def test_json_body_is_422(client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.post("/v5/files", body={"file": "x"}, cast_to=object)
    body = cast(dict[str, Any], caught.value.body)
    assert [e["loc"] for e in body["detail"]] == [["body", "file"]]


def test_truncated_multipart_body_is_400_and_leaves_nothing(
    server: Server, http: httpx.Client
) -> None:
    body, content_type = multipart(
        [(b'Content-Disposition: form-data; name="file"; filename="t"', b"x" * 1000)]
    )
    before = http.get("/v5/files", params={"limit": 1}).json()["total"]
    response = http.post("/v5/files", content=body[:-40], headers={"content-type": content_type})
    assert response.status_code == 400
    assert http.get("/v5/files", params={"limit": 1}).json()["total"] == before
    assert staging_files(server) == []


def test_malformed_boundary_is_400(http: httpx.Client) -> None:
    body, _ = multipart([(b'Content-Disposition: form-data; name="file"', b"x")], b"b" * 300)
    content_type = f"multipart/form-data; boundary={'b' * 300}"
    response = http.post("/v5/files", content=body, headers={"content-type": content_type})
    assert response.status_code == 400


def test_an_html_file_cannot_run_in_a_browser(client: SGPClient) -> None:
    page = b"<html><script>fetch('/v5/datasets')</script></html>"
    created = client.files.create(file=("page.html", page, "text/html"))
    with client.files.content.with_streaming_response.retrieve(created.id) as response:
        # Served as uploaded, but as a download, never sniffed, and sandboxed if rendered.
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-disposition"] == 'attachment; filename="page.html"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "sandbox"
        assert response.read() == page


def test_every_response_carries_the_security_headers(http: httpx.Client) -> None:
    for response in (http.get("/v5/files"), http.get("/v5/files/nope"), http.get("/health")):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
