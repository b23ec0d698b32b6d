"""Importing this module registers every task type."""

from yardstick.task import (  # noqa: F401
    application_variant,
    auto_question,
    chat_completion,
    contributor_question,
    guided_decoding,
    inference,
    metric,
)
