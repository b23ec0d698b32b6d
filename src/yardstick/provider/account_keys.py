"""Where a model call finds the API key of the account it is made for.

Which key a call sends, first match wins:

1. a key the caller passed for that one call (`x-openai-api-key` on a chat completion);
2. the account's own secret for the vendor: `<VENDOR>_API_KEY` (`OPENAI_API_KEY`,
   `ANTHROPIC_API_KEY`, `FIREWORKS_AI_API_KEY`, ...);
3. the server's key for the vendor (environment or providers file).

The provider layer holds no database, so the account's keys come from a source that a process
with one installs at start (`install`; the API and the engine both do, see
`yardstick.account_secret.vendor_keys`). Without a source, step 2 finds nothing.
"""

import re
from typing import Protocol


class AccountKeySource(Protocol):
    async def key_for(self, account_id: str, vendor: str) -> str | None:
        """The account's key for `vendor`, or None to use the server's."""
        ...

    def forget(self, account_id: str) -> None:
        """Drop what is cached for the account (its secrets just changed)."""
        ...


_source: AccountKeySource | None = None


def install(source: AccountKeySource | None) -> None:
    global _source
    _source = source


def forget(account_id: str) -> None:
    if _source is not None:
        _source.forget(account_id)


async def account_key(account_id: str | None, vendor: str) -> str | None:
    if account_id is None or _source is None:
        return None
    return await _source.key_for(account_id, vendor)


def vendor_key_name(vendor: str) -> str:
    """The secret key that holds `vendor`'s API key, in its canonical form (`OPENAI_API_KEY`)."""
    return re.sub(r"[^A-Z0-9]", "_", vendor.upper()) + "_API_KEY"
