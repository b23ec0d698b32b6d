"""What a widget query's column names mean on a target: an input field, a task's result, or the
row's evaluation, checked against the target's schema (compiler.py turns them into SQL)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from yardstick.errors import Unprocessable

Loc = list[str | int]
# The virtual column of each row's evaluation (useful on group dashboards).
EVALUATION_ID = "evaluation_id"
# The virtual column of each row's key on a group dashboard whose group names row identifiers:
# each member's own identifier column, so grouping by it joins the members' rows on their key.
ROW_IDENTIFIER = "row_identifier"


class QueryError(Unprocessable):
    """A query that cannot be computed on this target, naming the field at fault."""

    def __init__(self, loc: Loc, msg: str) -> None:
        super().__init__(loc, msg)
        self.loc = loc
        self.msg = msg

    def describe(self) -> str:
        where = ".".join(str(part) for part in self.loc[1:])  # without the leading "body"
        return f"{where}: {self.msg}"


@dataclass(frozen=True)
class Resolved:
    """A column of the rows: `source` data (path into the item) or task_result_cache (path
    into the cell of `alias`), the row's evaluation id, or its row identifier (`members`: each
    member evaluation's own identifier column)."""

    source: str
    path: tuple[str, ...]
    alias: str | None = None
    members: tuple[tuple[str, "Resolved"], ...] = ()

    @property
    def key(self) -> tuple[str, str | None, tuple[str, ...]]:
        return (self.source, self.alias, self.path)


@dataclass
class Catalog:
    """What the columns of a target can be: its evaluations' schema fields and task aliases.

    `probe` answers whether any row holds a data path, for names missing from a sampled
    schema (a field the sample happened to miss is still a field)."""

    data_fields: set[str]
    task_fields: set[str]
    aliases: set[str]
    sampled: bool
    probe: Callable[[Resolved], bool]
    # A group's row identifiers: member evaluation id -> the name of its identifier column.
    row_identifiers: dict[str, str] = field(default_factory=dict)
    # Each member's own catalog: its identifier is a column of its own rows.
    members: dict[str, "Catalog"] = field(default_factory=dict)
    _resolved: dict[tuple[str, str | None], Resolved | None] = field(default_factory=dict)

    def resolve(self, name: str, source: str | None, loc: Loc) -> Resolved:
        """The column `name` means: an input field first, then a task's result; a name the
        schema lacks is looked for in the rows only when the schema was sampled, and only
        after the schema's own fields and the task aliases (a probe reads every item)."""
        if name == ROW_IDENTIFIER and source is None and self.row_identifiers:
            return self._row_identifier(loc)
        key = (name, source)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(name, source)
        found = self._resolved[key]
        if found is None:
            where = f" in source {source!r}" if source else ""
            raise QueryError(
                loc, f"unknown column {name!r}{where}: not a field of the target's items"
            )
        return self._checked(found, loc)

    def _resolve(self, name: str, source: str | None) -> Resolved | None:
        if name == EVALUATION_ID and source is None:
            return Resolved("evaluation", ())
        data = Resolved("data", tuple(name.split("."))) if source in (None, "data") else None
        cell = None
        if source in (None, "task_result_cache"):
            alias = max(
                (a for a in self.aliases if name == a or name.startswith(a + ".")),
                key=len,
                default=None,
            )
            if alias is not None:
                rest = name[len(alias) + 1 :]
                cell = Resolved("task_result_cache", tuple(rest.split(".")) if rest else (), alias)
        if data is not None and _known(name, self.data_fields):
            return data
        if cell is not None and (not cell.path or _known(name, self.task_fields)):
            return cell
        if self.sampled:
            for candidate in (data, cell):
                if candidate is not None and _quotable(candidate.path) and self.probe(candidate):
                    return candidate
        return None

    def _row_identifier(self, loc: Loc) -> Resolved:
        """Each member's identifier column, resolved as any column name is, among that
        member's own fields (a member without one has no key: its rows group under null).
        Among the whole group's, a name that is one member's input and another's task result
        read the input on both, and the second member's rows all fell under a null key."""
        members = []
        for evaluation_id, name in sorted(self.row_identifiers.items()):
            own = self.members.get(evaluation_id, self)
            column = None if name in (EVALUATION_ID, ROW_IDENTIFIER) else own._resolve(name, None)
            if column is None or not _quotable(column.path):
                raise QueryError(
                    loc,
                    f"the row identifier of evaluation {evaluation_id!r}, {name!r}, is not a "
                    "field of the target's items",
                )
            members.append((evaluation_id, column))
        return Resolved("row_identifier", (), None, tuple(members))

    @staticmethod
    def _checked(column: Resolved, loc: Loc) -> Resolved:
        if not _quotable(column.path):
            raise QueryError(loc, "column names holding a double quote are not supported")
        return column


def _known(name: str, fields: set[str]) -> bool:
    """A field of the schema, or an object holding fields (a prefix of one)."""
    return name in fields or any(f.startswith(name + ".") for f in fields)


def _quotable(path: Sequence[str]) -> bool:
    return not any('"' in key for key in path)


@dataclass(frozen=True)
class Scope:
    """The evaluations whose items are the rows, and what the query may name of them."""

    evaluation_ids: list[str]
    is_group: bool
