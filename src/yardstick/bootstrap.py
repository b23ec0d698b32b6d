"""What every start does before serving: migrate, then make sure someone can log in."""

from dataclasses import dataclass

from sqlalchemy import Engine

from yardstick.auth.service import auth_service, generate_key, key_hasher
from yardstick.config import Settings
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.errors import Conflict
from yardstick.execution.engine import check_workflow_table, migrate_engine

DEFAULT_ACCOUNT_ID = "default"


@dataclass(frozen=True)
class CreatedKey:
    account_id: str
    key: str


class BootstrapRefused(Exception):
    """A setting the start cannot apply: said in one line by the command."""


def bootstrap(settings: Settings, engine: Engine) -> CreatedKey | None:
    """Migrate and apply the init key; returns a generated key when the database had none."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(engine)
    migrate_engine(settings)
    check_workflow_table(engine)
    hasher = key_hasher(settings)
    with SessionFactory(engine).write() as session, session.begin():
        if settings.init_account_id and settings.init_api_key:
            try:
                auth_service.ensure_key(
                    session, hasher, account_id=settings.init_account_id, key=settings.init_api_key
                )
            except Conflict as exc:  # it was a 63-line traceback
                raise BootstrapRefused(f"YARDSTICK_INIT_API_KEY: {exc.detail}") from exc
            return None
        if auth_service.has_any_key(session):
            return None
        auth_service.ensure_account(session, account_id=DEFAULT_ACCOUNT_ID)
        key = generate_key()
        auth_service.add_key(
            session, hasher, account_id=DEFAULT_ACCOUNT_ID, key=key, name="default"
        )
        return CreatedKey(DEFAULT_ACCOUNT_ID, key)
