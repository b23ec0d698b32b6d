"""What every start does before serving: migrate, then make sure someone can log in."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from yardstick.auth.service import auth_service, generate_key, key_hasher
from yardstick.config import Settings
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.errors import Conflict
from yardstick.execution.engine import check_workflow_table, migrate_engine
from yardstick.master_key_check import MasterKeyMismatch, confirm
from yardstick.secret_box import secret_box

DEFAULT_ACCOUNT_ID = "default"


@dataclass(frozen=True)
class CreatedKey:
    account_id: str
    key: str


@dataclass(frozen=True)
class Started:
    """What a start has to say: a key it made, or an init key revoked since it was applied (it
    stays revoked: a key someone revoked is not brought back by a restart)."""

    created: CreatedKey | None = None
    init_key_revoked_at: datetime | None = None


class BootstrapRefused(Exception):
    """A setting the start cannot apply: said in one line by the command."""


def bootstrap(settings: Settings, engine: Engine) -> Started:
    """Migrate and apply the init key; a generated key when the database had none."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(engine)
    migrate_engine(settings)
    check_workflow_table(engine)
    hasher = key_hasher(settings)
    with SessionFactory(engine).write() as session, session.begin():
        try:
            confirm(session, secret_box(settings))
        except MasterKeyMismatch as exc:
            raise BootstrapRefused(str(exc)) from None
        if settings.init_account_id and settings.init_api_key:
            try:
                init_key = auth_service.ensure_key(
                    session, hasher, account_id=settings.init_account_id, key=settings.init_api_key
                )
            except Conflict as exc:  # it was a 63-line traceback
                raise BootstrapRefused(f"YARDSTICK_INIT_API_KEY: {exc.detail}") from exc
            return Started(init_key_revoked_at=init_key.revoked_at)
        if auth_service.has_any_key(session):
            return Started()
        auth_service.ensure_account(session, account_id=DEFAULT_ACCOUNT_ID)
        key = generate_key()
        auth_service.add_key(
            session, hasher, account_id=DEFAULT_ACCOUNT_ID, key=key, name="default"
        )
        return Started(created=CreatedKey(DEFAULT_ACCOUNT_ID, key))
