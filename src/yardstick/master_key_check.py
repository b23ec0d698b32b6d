"""Which master key a database was made with, checked at every start.

A process given another key than the database's (another `YARDSTICK_SECRET_KEY`, or a data
directory with another key file) started without a word: every API key answered 401, stored
credentials and secrets did not open, and keys or secrets it made were tied to its own key.
Now the database keeps a fingerprint of its key (`master_key_check`), and `confirm` compares.

A database from before the fingerprint gets it at its first start, once the key has opened one
stored credential and one account secret (when it holds any): a key that opens them is the
database's. API keys cannot tell: a key's hash is tested only with the key itself.
"""

import hmac

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.account_secret.service import open_value
from yardstick.credential.service import CredentialUnreadable, credential_service
from yardstick.models import AccountSecret, Credential, MasterKeyCheck
from yardstick.secret_box import SecretBox, SecretUnreadable

_ROW = 1


class MasterKeyMismatch(Exception):
    """The master key is not the database's: said in one line by the command."""


def confirm(session: Session, box: SecretBox) -> None:
    """Return if `box` holds the database's master key (recording its fingerprint on a database
    without one), else raise MasterKeyMismatch. Call inside a write transaction."""
    fingerprint = box.derive("master-key-check").hex()
    stored = session.get(MasterKeyCheck, _ROW)
    if stored is None:
        _opens_what_is_stored(session, box)
        try:
            with session.begin_nested():  # two first starts at once: one row, then compared
                session.add(MasterKeyCheck(id=_ROW, fingerprint=fingerprint))
            return
        except IntegrityError:
            stored = session.get(MasterKeyCheck, _ROW, populate_existing=True)
    if stored is None or not hmac.compare_digest(stored.fingerprint, fingerprint):
        raise MasterKeyMismatch(_NOT_ITS_KEY)


_NOT_ITS_KEY = (
    "the master key (YARDSTICK_SECRET_KEY, else the data directory's secret.key) is not the one "
    "this database was made with: its API keys would not match and its secrets would not open. "
    "Give every process sharing the database the same key"
)


def _opens_what_is_stored(session: Session, box: SecretBox) -> None:
    credential = session.scalars(select(Credential).limit(1)).first()
    secret = session.scalars(select(AccountSecret).limit(1)).first()
    try:
        if credential is not None:
            credential_service.decrypt(credential, box, audit=False)
        if secret is not None:
            open_value(box, secret)
    except (CredentialUnreadable, SecretUnreadable):
        raise MasterKeyMismatch(_NOT_ITS_KEY) from None
