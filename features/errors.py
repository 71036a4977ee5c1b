"""The small exception hierarchy every package raises.

Messages name the field, the value and the fix. The CLI turns :class:`InvalidInput` into exit
code 2; the API turns it into HTTP 422 with :attr:`InvalidInput.errors` as details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SeatwiseError(Exception):
    """Base class of every error Seatwise raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One broken rule: the row (0-based data row; None for the whole input), field and rule."""

    row: int | None
    field: str
    rule: str
    value: Any = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "input"
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}, field '{self.field}': {self.rule}{shown}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, used in HTTP 422 details."""
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {"row": self.row, "field": self.field, "rule": self.rule, "value": value}


class InvalidInput(SeatwiseError, ValueError):
    """Input broke one or more rules; nothing was stored or computed.

    Parameters
    ----------
    message:
        One-line summary.
    errors:
        Every broken rule found (not only the first).
    """

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        self.errors: list[FieldError] = list(errors or [])
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.errors:
            return head
        shown = "\n".join(f"  - {e}" for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        return f"{head}\n{shown}{more}"


def json_path(loc: tuple[int | str, ...] | list[int | str], root: str = "") -> str:
    """A pydantic error location as a JSON path: ``("agents", 3, "contract")`` ->
    ``agents[3].contract``; `root` (``scenarios[1]``) is put in front; empty gives `root`."""
    text = root
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def pydantic_field_errors(exc: Any, root: str = "", whole: str = "input") -> list[FieldError]:
    """One :class:`FieldError` per problem of a pydantic ``ValidationError``, named by its JSON
    path (see :func:`json_path`; `whole` when the problem is the whole input) with the offending
    input as the value."""
    return [
        FieldError(None, json_path(tuple(e["loc"]), root) or whole, e["msg"], e.get("input"))
        for e in exc.errors()
    ]


class NotFitted(SeatwiseError, ValueError, AttributeError):
    """A model was used before `fit`."""


class NotFound(SeatwiseError, LookupError):
    """An id (queue, agent, roster, job, model) that does not exist."""


@dataclass
class Conflict:
    """One reason a plan cannot be made: the agents and rules involved."""

    rule: str
    detail: str
    agents: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        who = f" [agents: {', '.join(self.agents)}]" if self.agents else ""
        return f"{self.rule}: {self.detail}{who}"


class Infeasible(SeatwiseError):
    """No plan satisfies the hard rules; :attr:`conflicts` says which agents and rules clash."""

    def __init__(self, message: str, conflicts: list[Conflict] | None = None) -> None:
        self.conflicts: list[Conflict] = list(conflicts or [])
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.conflicts:
            return head
        return head + "\n" + "\n".join(f"  - {c}" for c in self.conflicts)
