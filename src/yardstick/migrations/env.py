from alembic import context

from yardstick.db.migrate import check_references
from yardstick.models import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # SQLite's DDL is transactional too (Alembic assumes not, and committed each migration
        # on its own): the whole chain is one transaction, so a failure leaves the old schema.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":  # its keys were off: see yardstick.db.migrate
            check_references(connection)


run_migrations()
