"""Bulk inserts convert each value by its column's type; equal values of different types (True,
1 and 1.0 compare equal in Python) must each keep their own form, and so must 0.0 and -0.0."""

import math
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.orm import Session

from yardstick.db.engine import create_db_engine
from yardstick.db.types import JSONValue
from yardstick.kit.bulk import bulk_insert


def test_equal_values_of_different_types_are_stored_as_themselves(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    table = Table("t", MetaData(), Column("n", Integer), Column("v", JSONValue))
    table.create(engine)
    values = [1, True, 1.0, 0, False, "1", 0.0, -0.0]
    with Session(engine) as session:
        bulk_insert(session, table, ["n", "v"], list(enumerate(values)))
        session.commit()
        stored = session.execute(select(table.c.v).order_by(table.c.n)).scalars().all()
    assert [(type(v), v) for v in stored] == [(type(v), v) for v in values]
    # A prefilled -0.0 was stored as the 0.0 before it (0.0 == -0.0 keyed one conversion).
    assert [math.copysign(1, v) for v in stored[-2:]] == [1, -1]
