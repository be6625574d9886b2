"""Errors with meaning: what went wrong, in words a person can act on.

The domain raises these; the wire layer maps each kind once to a gRPC status code and
the CLI maps that once to an exit code. Messages never carry a plate, a key or a secret.
"""

from __future__ import annotations


class ArgosError(Exception):
    """Base of every refusal the gateway makes on purpose."""


class InvalidInput(ArgosError):
    """A request or document is malformed or incomplete."""


class NotFound(ArgosError):
    """The named object does not exist on this node."""


class Conflict(ArgosError):
    """The object already exists in another form (e.g. a partner registered twice)."""


class PartnerUnknown(ArgosError):
    """The peer is not a registered partner of this node."""


class PeerIdentityMismatch(ArgosError):
    """The peer's certificate does not match what the partner registry trusts for it."""


class SignatureInvalid(ArgosError):
    """A signature is missing, made with the wrong key, or does not cover the bytes."""


class AgreementViolation(ArgosError):
    """A message or action is outside what the sharing agreement allows."""


class StaleVersion(ArgosError):
    """A replayed or older version of a document than the one already held."""


class IllegalTransition(ArgosError):
    """The requested change is not allowed from the object's current state."""


class Unauthenticated(ArgosError):
    """A local call without valid user credentials."""


class AccessDenied(ArgosError):
    """The local user's role does not allow this action."""


class PartnerUnreachable(ArgosError):
    """The partner node could not be reached or did not answer in time."""


class BackendUnavailable(ArgosError):
    """A local system the node relies on (the ANPR backend's read history) did not
    answer, or answered something unusable."""
