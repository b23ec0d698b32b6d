import uuid

from yardstick.ids import new_id, new_ids


def test_batch_ids_are_uuid7_in_increasing_order() -> None:
    ids = new_ids(5000)  # more than one millisecond's 4,096 counter values
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122


def test_batch_ids_follow_single_ids() -> None:
    first = new_id()
    batch = new_ids(3)
    assert first < batch[0] < batch[1] < batch[2] < new_id()
