from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base


class RunTraceEntry(Base):
    """The calls of the traced cells of one commit, committed with the cells and waiting to
    become spans.

    The engine's group commit writes one row per account with the cells it commits that called
    a model; `yardstick.span.run_trace_queue` turns rows into the items' spans later and deletes
    them in the same transaction. `cells` is the JSON list of those cells
    (`yardstick.span.run_traces.TracedCell`, their calls as recorded) as orjson writes it:
    bytes, not text, so no decode on the way in. (Compressing it, ~60 KB to a few for 64
    cells, made no difference to a run's speed in alternated runs.)
    """

    __tablename__ = "run_trace_queue"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    # How many cells `cells` holds: batches and the backlog's bound count cells, not rows.
    cell_count: Mapped[int] = mapped_column(Integer)
    cells: Mapped[bytes] = mapped_column(LargeBinary)

    # An account's rows, oldest first: what a read of its spans waits for.
    __table_args__ = (Index("ix_run_trace_queue_account", "account_id", "seq"),)
