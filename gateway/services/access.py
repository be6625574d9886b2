"""Authorization at the application boundary: each use case declares the action it
needs, and is refused before it runs for a caller whose role does not allow it.

    @requires(Action.HOTLIST_MANAGE)
    def add(self, caller: Caller, draft: EntryDraft, justification: str) -> HotlistEntry:

The caller is the first argument after self. The check and the audit record of a
refusal live in NodeContext.authorize; the table of who may do what in
gateway.domain.roles. Whatever interface calls the use case (gRPC, the console, a test)
gets the same refusal, because no interface does the check itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from gateway.domain.roles import Action
from gateway.services.context import Caller, NodeContext

F = TypeVar("F", bound=Callable[..., Any])


class UseCases(Protocol):
    """A service whose methods may declare @requires: it holds its node context."""

    _ctx: NodeContext


def requires(action: Action) -> Callable[[F], F]:
    def wrap(method: F) -> F:
        @functools.wraps(method)
        def checked(self: UseCases, caller: Caller, *args: Any, **kwargs: Any) -> Any:
            self._ctx.authorize(caller, action)
            # A generator method is checked here, when it is called, not at its first
            # item: the refusal reaches the caller before anything is streamed.
            return method(self, caller, *args, **kwargs)

        checked.required_action = action  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return wrap


def required_action(method: Callable[..., Any]) -> Action | None:
    """The action a use case declared, or None (tests walk every role through these)."""
    return getattr(method, "required_action", None)
