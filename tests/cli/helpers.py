"""What the tests of the CLI commands that talk to a running server over HTTP share."""

import os

from tests.fixtures.server import ACCOUNT_A, Server


def cli_env(server: Server | None = None, account: str = ACCOUNT_A, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YARDSTICK_")}
    # Proof that the command never opens a database: this one cannot be created.
    env["YARDSTICK_DATABASE_URL"] = "sqlite:////nonexistent-dir/never.db"
    if server is not None:
        env.update(
            YARDSTICK_URL=server.base_url,
            YARDSTICK_API_KEY=server.keys[account],
            YARDSTICK_ACCOUNT_ID=account,
        )
    env.update(extra)
    return env
