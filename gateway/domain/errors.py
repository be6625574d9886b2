"""Errors with meaning: what went wrong, in words a person can act on.

The domain raises these; the wire layer maps each kind once to a gRPC status code and
the CLI maps that once to an exit code. Messages never carry a plate, a key or a secret.
Each kind has a code: it travels with the status (as the reason of a google.rpc
ErrorInfo), so a partner node acts on the code, never on the words of the message.
"""

from __future__ import annotations


class ArgosError(Exception):
    """Base of every refusal the gateway makes on purpose."""

    code = "ARGOS_ERROR"


class InvalidInput(ArgosError):
    """A request or document is malformed or incomplete."""

    code = "INVALID_INPUT"


class NotFound(ArgosError):
    """The named object does not exist on this node."""

    code = "NOT_FOUND"


class Conflict(ArgosError):
    """The object already exists in another form (e.g. a partner registered twice)."""

    code = "CONFLICT"


class PartnerUnknown(ArgosError):
    """The peer is not a registered partner of this node."""

    code = "PARTNER_UNKNOWN"


class PeerIdentityMismatch(ArgosError):
    """The peer's certificate does not match what the partner registry trusts for it."""

    code = "PEER_IDENTITY_MISMATCH"


class SignatureInvalid(ArgosError):
    """A signature is missing, made with the wrong key, or does not cover the bytes."""

    code = "SIGNATURE_INVALID"


class AgreementViolation(ArgosError):
    """A message or action is outside what the sharing agreement allows."""

    code = "AGREEMENT_VIOLATION"


class StaleVersion(ArgosError):
    """A replayed or older version of a document than the one already held."""

    code = "STALE_VERSION"


class IllegalTransition(ArgosError):
    """The requested change is not allowed from the object's current state."""

    code = "ILLEGAL_TRANSITION"


class Unauthenticated(ArgosError):
    """A local call without valid user credentials."""

    code = "UNAUTHENTICATED"


class AccessDenied(ArgosError):
    """The local user's role does not allow this action."""

    code = "ACCESS_DENIED"


class ReauthenticationRequired(ArgosError):
    """A sensitive act through a console session that is not fresh: the person must
    give password and second factor again first (gateway.domain.sessions rule 6). The
    message starts with "reauthentication required", which the console acts on."""

    code = "REAUTHENTICATION_REQUIRED"


class PartnerUnreachable(ArgosError):
    """The partner node could not be reached or did not answer in time."""

    code = "PARTNER_UNREACHABLE"


class ResourceExhausted(PartnerUnreachable):
    """The node is at a limit it keeps so that no one caller can starve the others
    (long streams open at once, calls per second): try again later. A kind of
    PartnerUnreachable, so a caller retries it as it retries any outage."""

    code = "RESOURCE_EXHAUSTED"


class BackendUnavailable(ArgosError):
    """A local system the node relies on (the ANPR backend's read history) did not
    answer, or answered something unusable."""

    code = "BACKEND_UNAVAILABLE"


class FeedBehindCursor(StaleVersion):
    """A recipient asked for changes after a seq its provider's feed never reached: the
    provider was restored from an older backup, and only a full resync can make the two
    sets equal again."""

    code = "FEED_BEHIND_CURSOR"


class KeyNotAccepted(SignatureInvalid):
    """A partner's signing key verifies history but may not sign a new message now: its
    acceptance ended (rotated away), it was revoked, or it awaits the administrator's
    confirmation of its fingerprint."""

    code = "KEY_NOT_ACCEPTED"


class KeyChainGap(KeyNotAccepted):
    """A rotation statement skips a sequence this node has not received yet: the key it
    names is not accepted until the statements before it arrive (a sender retries)."""

    code = "KEY_CHAIN_GAP"


class KeyChainFork(SignatureInvalid):
    """A signing-key statement does not extend the chain of keys held for its node: a
    second statement for a sequence already held, or one signed by a key that is not
    the chain's current key."""

    code = "KEY_CHAIN_FORK"


class ProofInvalid(SignatureInvalid):
    """An oblivious evaluation does not prove it was made with the key its owner
    committed to for the agreement version (RFC 9497 VOPRF proof)."""

    code = "OPRF_PROOF_INVALID"


def error_classes() -> dict[str, type[ArgosError]]:
    """Every kind of refusal by its code."""
    found: dict[str, type[ArgosError]] = {}
    pending: list[type[ArgosError]] = [ArgosError]
    while pending:
        cls = pending.pop()
        if "code" in vars(cls):  # a subclass without a code of its own travels as its base
            found[cls.code] = cls
        pending.extend(cls.__subclasses__())
    return found
