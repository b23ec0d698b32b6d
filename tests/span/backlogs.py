"""A queue's backlog (yardstick.span.backlog) made afresh for a test: nothing queued here yet,
paced as the test needs."""

import dataclasses
from types import ModuleType
from typing import Any

import pytest

from yardstick.span.backlog import Backlog


def fresh_backlog(monkeypatch: pytest.MonkeyPatch, module: ModuleType, **pacing: Any) -> Backlog:
    """`module.BACKLOG` replaced, for the test, by one doing the same work, paced as given."""
    old: Backlog = module.BACKLOG
    backlog = Backlog(
        old.what,
        dataclasses.replace(old.pacing, **pacing),
        pending=old.pending,
        take=old.take,
    )
    monkeypatch.setattr(module, "BACKLOG", backlog)
    return backlog
