"""A local user over its lifetime: which tokens still work, which changes of standing
are legal, and when a use is worth writing down. Pure rules; the use cases
(gateway.services.users) apply them and audit each change and each refusal.

Rules, in the order a call meets them:
1. A token works only while its user is active and, if it carries an expiry, before
   that moment (node clock). A disabled or removed user's token, a token replaced by
   rotate-token, and a token past its expiry are refused the same way as a token this
   node never issued, except that the message says the token no longer works (its
   holder knows it was once a token) and never names the user.
2. Disable and enable go back and forth; remove is final. A removed user's record and
   name stay: the audit log names users, so a name is never given to anyone else.
3. No change may leave the node without an active administrator (active and not
   expired): otherwise nobody could enable, rotate or add anyone again.
4. A user's last use is kept to the minute: written at most once a minute, so a busy
   adapter or script costs one write a minute, not one per call.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta

from gateway.domain.errors import IllegalTransition, InvalidInput
from gateway.domain.roles import Role, User, UserState

LAST_USE_RESOLUTION = timedelta(minutes=1)
# Beyond this an expiry protects nothing; leave it out instead.
MAX_TOKEN_LIFETIME = timedelta(days=5 * 366)


class Standing(enum.StrEnum):
    """What `argos user list` shows."""

    ACTIVE = "active"
    DISABLED = "disabled"
    REMOVED = "removed"
    EXPIRED = "expired"


class TokenRefusal(enum.StrEnum):
    """Why a token was refused: recorded in the audit log, never told the caller."""

    UNKNOWN = "unknown"  # never issued here (or mistyped)
    DISABLED = "disabled"
    REMOVED = "removed"
    ROTATED = "rotated"  # replaced by a newer token of the same user
    EXPIRED = "expired"


def standing(user: User, now: datetime) -> Standing:
    if user.state is UserState.REMOVED:
        return Standing.REMOVED
    if user.state is UserState.DISABLED:
        return Standing.DISABLED
    if user.token_expires_at is not None and now >= user.token_expires_at:
        return Standing.EXPIRED
    return Standing.ACTIVE


def token_refusal(user: User | None, *, retired: bool, now: datetime) -> TokenRefusal | None:
    """Rule 1: None if the token of `user` works now; else why not. `retired`: the
    token is an old one of `user`, replaced by rotation."""
    if user is None:
        return TokenRefusal.UNKNOWN
    if user.state is UserState.REMOVED:
        return TokenRefusal.REMOVED
    if retired:
        return TokenRefusal.ROTATED
    return {
        Standing.ACTIVE: None,
        Standing.DISABLED: TokenRefusal.DISABLED,
        Standing.EXPIRED: TokenRefusal.EXPIRED,
    }[standing(user, now)]


def refusal_message(reason: TokenRefusal, user: User | None) -> str:
    """Rule 1: what the caller is told. It names no user and does not tell a disabled
    user from a removed one; an expired token says when, which its holder could read
    off `argos user list` before."""
    if reason is TokenRefusal.UNKNOWN:
        return "the token is not valid on this node"
    if reason is TokenRefusal.EXPIRED and user is not None and user.token_expires_at:
        return (
            "the token is not valid on this node: it expired at "
            f"{user.token_expires_at.isoformat(timespec='seconds')}; "
            "ask an administrator of this node for a new one"
        )
    return (
        "the token is not valid on this node: it has been withdrawn; "
        "ask an administrator of this node"
    )


def token_expiry(
    now: datetime, *, at: datetime | None = None, lifetime: timedelta | None = None
) -> datetime | None:
    """When a token issued now expires: at `at`, or `lifetime` from now, or never."""
    if at is not None and lifetime is not None:
        raise InvalidInput("give a token's expiry as a time or as a lifetime, not both")
    if lifetime is not None:
        if lifetime <= timedelta(0):
            raise InvalidInput("a token's lifetime must be positive")
        if lifetime > MAX_TOKEN_LIFETIME:
            raise InvalidInput(_TOO_LONG)
        return now + lifetime
    if at is not None:
        if at <= now:
            raise InvalidInput(
                f"the token's expiry {at.isoformat(timespec='seconds')} is not in the future"
            )
        if at - now > MAX_TOKEN_LIFETIME:
            raise InvalidInput(_TOO_LONG)
    return at


_TOO_LONG = (
    f"a token may expire at most {MAX_TOKEN_LIFETIME.days} days ahead; "
    "leave the expiry out for a token that does not expire"
)


def check_change(user: User, to: UserState) -> None:
    """Rule 2: IllegalTransition unless `user` may go to `to`."""
    if user.state is UserState.REMOVED:
        raise IllegalTransition(
            f"user {user.name} was removed; a removed user stays removed "
            "(add a user under a new name)"
        )
    if user.state is to:
        raise IllegalTransition(f"user {user.name} is already {to.value}")


def check_rotation(user: User) -> None:
    """Rule 2: a removed user gets no token again."""
    if user.state is UserState.REMOVED:
        raise IllegalTransition(f"user {user.name} was removed and gets no new token")


def check_admin_remains(users: Iterable[User], changed: User, now: datetime) -> None:
    """Rule 3: IllegalTransition if `changed` (a user as it would be after the change)
    leaves no active administrator."""
    after = [changed if u.name == changed.name else u for u in users]
    if not any(u.role is Role.ADMIN and standing(u, now) is Standing.ACTIVE for u in after):
        raise IllegalTransition(
            f"user {changed.name} is the last active administrator of this node; "
            "add or enable another administrator first"
        )


def last_use_due(last_written: datetime | None, now: datetime) -> bool:
    """Rule 4: whether a use at `now` is worth a write."""
    return last_written is None or now - last_written >= LAST_USE_RESOLUTION
