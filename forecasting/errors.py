"""Domain errors. The service maps these to HTTP problems in one handler; the CLI prints them."""

from __future__ import annotations


class EnnakointiError(Exception):
    """Base class of every error this project raises on purpose."""


class DataError(EnnakointiError):
    """A source file or table is malformed. Names the file (and row) at fault."""

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None):
        where = ""
        if source is not None:
            where = f"{source}" + (f", row {row}" if row is not None else "") + ": "
        super().__init__(where + message)
        self.message = message
        self.source = source
        self.row = row

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes with its fields
        return (_rebuild_data_error, (type(self), self.message, self.source, self.row))


class ContractError(DataError):
    """A dataset breaks the data contract (dims, coords, dtypes, order, uniqueness, signs)."""


class UnknownAreaError(EnnakointiError, KeyError):
    """An area code that is neither a municipality nor a known aggregate."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else "unknown area"


class ValidationError(EnnakointiError, ValueError):
    """A user-supplied parameter is out of its allowed range. Names the field."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes with its fields
        return (type(self), (self.field, self.reason))


class SchemaDriftError(EnnakointiError):
    """A StatFin table's metadata no longer matches what the configuration expects."""


class OfflineError(EnnakointiError):
    """The network is not reachable; nothing was changed."""


def _rebuild_data_error(
    cls: type[DataError], message: str, source: str | None, row: int | None
) -> DataError:
    return cls(message, source=source, row=row)
