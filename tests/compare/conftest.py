"""The engine's server per backend (tests/execution's), for the repeats tests' scripted model."""

from tests.execution.conftest import engine_server  # noqa: F401
