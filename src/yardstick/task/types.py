"""Importing this module registers every task type."""

from yardstick.task import (  # noqa: F401
    agent,
    agentex_output,
    application_variant,
    auto_question,
    chat_completion,
    contributor_question,
    custom_function,
    guided_decoding,
    inference,
    metric,
)
