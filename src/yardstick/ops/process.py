"""Instrumenting a Yardstick process (`serve` or `worker`) at start: its log format, and where
the metrics read at scrape time find their figures."""

from functools import partial

from sqlalchemy import Engine

from yardstick.config import Settings
from yardstick.ops.engine_state import queue_depth
from yardstick.ops.logs import configure_logging
from yardstick.ops.metrics import watch_queue, watch_scorer_pool
from yardstick.scoring.service import live_scorer_processes


def instrument(settings: Settings, engine: Engine) -> None:
    """Idempotent: tests and the CLI may build more than one app in a process."""
    configure_logging(
        log_format=settings.log_format,
        worker=settings.worker_id,
        secrets=(settings.init_api_key, settings.openai_api_key, settings.anthropic_api_key),
    )
    watch_queue(partial(queue_depth, engine))
    watch_scorer_pool(live_scorer_processes)
