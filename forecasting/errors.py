"""Domain errors. The service maps these to HTTP problems in one handler; the CLI prints them.

An error a reader can cause (an unknown area code, a start month outside the data) also
carries a machine-readable ``kind`` and the ``values`` its message names: the English message
stays the text for logs, scripts and the API's ``detail``, while a page in another language
writes its own sentence from the kind and the values (``service.i18n_errors``) instead of
parsing the English.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_NO_VALUES: Mapping[str, object] = MappingProxyType({})


class EnnakointiError(Exception):
    """Base class of every error this project raises on purpose.

    Parameters
    ----------
    *args
        The message (as for :class:`Exception`).
    kind
        What kind of refusal this is, e.g. ``"unknown_area"``; ``None`` for an error no
        reader-facing sentence exists for.
    values
        The values the message names, by the placeholder a translated sentence uses
        (``{"code": "ZZZ"}``); copied, and read-only on the error.
    """

    #: Class defaults: a subclass whose ``__init__`` skips this one still answers both.
    kind: str | None = None
    _values: Mapping[str, object] = _NO_VALUES

    def __init__(
        self, *args: object, kind: str | None = None, values: Mapping[str, object] | None = None
    ):
        super().__init__(*args)
        if kind is not None:
            self.kind = kind
        if values:
            self._values = dict(values)

    @property
    def values(self) -> Mapping[str, object]:
        """The values of the message by name (read-only)."""
        return MappingProxyType(self._values)


class DataError(EnnakointiError):
    """A source file or table is malformed. Names the file (and row) at fault."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        kind: str | None = None,
        values: Mapping[str, object] | None = None,
    ):
        where = ""
        if source is not None:
            where = f"{source}" + (f", row {row}" if row is not None else "") + ": "
        super().__init__(where + message, kind=kind, values=values)
        self.message = message
        self.source = source
        self.row = row

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled across processes with its fields, without calling ``__init__`` again: a
        # subclass's own keyword-only arguments (StatFinHTTPError's url) survive too.
        return (_rebuild_error, (type(self), self.args), self.__dict__)


class ContractError(DataError):
    """A dataset breaks the data contract (dims, coords, dtypes, order, uniqueness, signs)."""


class UnknownAreaError(EnnakointiError, KeyError):
    """An area code that is neither a municipality nor a known aggregate."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else "unknown area"


class ValidationError(EnnakointiError, ValueError):
    """A user-supplied parameter is out of its allowed range. Names the field."""

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        kind: str | None = None,
        values: Mapping[str, object] | None = None,
    ):
        super().__init__(f"{field}: {reason}", kind=kind, values=values)
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes with its fields
        return (type(self), (self.field, self.reason), self.__dict__)


class InvalidValueError(EnnakointiError, ValueError):
    """A value refused inside a pydantic validator, with its kind and values.

    pydantic reports a ``ValueError`` raised by a validator as its ``value_error`` and keeps
    the exception in the error's ``ctx["error"]``: raising this one instead of a bare
    ``ValueError`` lets a caller read the kind and values there (the message, and so
    pydantic's ``msg``, is the same).
    """


class SchemaDriftError(EnnakointiError):
    """A StatFin table's metadata no longer matches what the configuration expects."""


class OfflineError(EnnakointiError):
    """The network is not reachable; nothing was changed."""


def _rebuild_error(cls: type[EnnakointiError], args: tuple[object, ...]) -> EnnakointiError:
    """An error of ``cls`` with ``args`` and no fields yet (unpickling sets them)."""
    exc = cls.__new__(cls)
    exc.args = args
    return exc
