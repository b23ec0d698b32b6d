"""The log line formats, secret scrubbing and after-commit events, in this process."""

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from yardstick.ops.logs import JsonFormatter, TextFormatter, log_event, register_secrets
from yardstick.ops.runs import after_commit


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    handler = _Records()
    logger = logging.getLogger("yardstick.events")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_an_event_is_one_json_line_with_ts_level_event_and_fields(
    records: list[logging.LogRecord],
) -> None:
    log_event("run.started", evaluation_id="e1", run=2, tasks=["a b"], event="not this")

    line = JsonFormatter("w1").format(records[-1])
    assert "\n" not in line
    parsed = json.loads(line)
    assert list(parsed)[:4] == ["ts", "level", "event", "worker"]
    assert parsed["event"] == "run.started"  # a field never replaces the event's name
    assert (parsed["level"], parsed["worker"], parsed["run"]) == ("info", "w1", 2)
    assert parsed["ts"].endswith("Z") and parsed["tasks"] == ["a b"]


def test_a_plain_record_keeps_its_logger_message_and_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("yardstick.x").makeRecord(
            "yardstick.x", logging.ERROR, __file__, 1, "chunk %s failed", ("c0",), None
        )
        record.exc_info = sys.exc_info()
    parsed = json.loads(JsonFormatter("w").format(record))
    assert (parsed["event"], parsed["logger"]) == ("log", "yardstick.x")
    assert parsed["message"] == "chunk c0 failed" and "ValueError: boom" in parsed["exc"]


def test_the_text_format_is_one_readable_line(records: list[logging.LogRecord]) -> None:
    log_event("task.stopped", logging.WARNING, alias="answer", reason="it failed")

    line = TextFormatter("w").format(records[-1])
    assert ' warning task.stopped worker=w alias=answer reason="it failed"' in line


def test_known_secrets_are_redacted_from_every_line(records: list[logging.LogRecord]) -> None:
    register_secrets(["sk-test-secret-123456", None, "short"])
    log_event("run.failed", status_reason="upstream said: bad key sk-test-secret-123456")

    for formatter in (JsonFormatter("w"), TextFormatter("w")):
        line = formatter.format(records[-1])
        assert "sk-test-secret-123456" not in line and "[redacted]" in line


def test_a_change_is_logged_once_committed_and_never_when_rolled_back(
    records: list[logging.LogRecord],
) -> None:
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        after_commit(session, "ops.test", n=1)
        assert not records  # not before the commit
        session.commit()
        session.execute(text("SELECT 1"))  # a transaction under way, as in a request
        after_commit(session, "ops.test", n=2)
        session.rollback()
        session.commit()
    assert [(r.msg, r.__dict__["yardstick_fields"]) for r in records] == [("ops.test", {"n": 1})]
