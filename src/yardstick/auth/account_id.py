"""What an account id may be: what a client can send back in `x-selected-account-id`.

HTTP trims a header value's surrounding spaces and clients refuse non-ASCII ones, so an id
with either could be created but never selected; and the column holds 128 characters.
"""

import re

RULE = "1 to 128 visible ASCII characters (letters, digits, punctuation; no spaces)"
_VALID = re.compile(r"[\x21-\x7e]{1,128}")


def account_id_problem(account_id: str) -> str | None:
    """Why `account_id` cannot be an account's id, or None when it can."""
    if _VALID.fullmatch(account_id):
        return None
    return f"an account id is {RULE}"
