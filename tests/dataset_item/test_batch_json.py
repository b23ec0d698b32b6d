from datetime import UTC, datetime

import orjson

from yardstick.dataset_item.encoding import encode_rows
from yardstick.dataset_item.repository import ItemRow, NewItems
from yardstick.dataset_item.schemas import batch_json, item_json


def test_batch_json_is_what_item_json_renders() -> None:
    rows = [{"q": 'é "quoted" \u2028', "n": [1, 2.5e-7, None]}, {}, {"b": {"a": True}}]
    texts, hashes = encode_rows(rows, ["body", "data"])
    now = datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=UTC)
    files = [None, {"image": "file-1"}, None]
    new = NewItems('ds-"1', 4, now, "user-é", ["id-a", "id-b", "id-c"], texts, hashes, files)
    expected = {
        "object": "list",
        "items": [
            item_json(
                ItemRow(
                    None,
                    item_id,
                    new.dataset_id,
                    text.decode(),
                    content_hash,
                    4,
                    now,
                    now,
                    new.user_id,
                    None,
                    entry,
                )
            )
            for item_id, text, content_hash, entry in zip(new.ids, texts, hashes, files)
        ],
    }
    assert batch_json(new) == orjson.dumps(expected)
    assert orjson.loads(batch_json(new._replace(ids=[], texts=[], hashes=[], files=[]))) == {
        "object": "list",
        "items": [],
    }
