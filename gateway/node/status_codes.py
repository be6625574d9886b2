"""The one place where domain errors become gRPC status codes, and back again on the
client side, so a partner's refusal reaches the administrator in the partner's words.

Every refusal also carries its kind as a code (google.rpc.ErrorInfo, domain
"argos.v1", reason the error's code) in the status details: the client raises exactly
that kind again, and acts on kinds, never on message text. A status without the detail
(an older node, a proxy) is mapped by its status code alone."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.domain import errors as e

ERROR_DOMAIN = "argos.v1"
_BY_CODE = e.error_classes()

CODES: dict[type[e.ArgosError], grpc.StatusCode] = {
    e.InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    e.NotFound: grpc.StatusCode.NOT_FOUND,
    e.Conflict: grpc.StatusCode.ALREADY_EXISTS,
    e.PartnerUnknown: grpc.StatusCode.PERMISSION_DENIED,
    e.PeerIdentityMismatch: grpc.StatusCode.UNAUTHENTICATED,
    e.SignatureInvalid: grpc.StatusCode.UNAUTHENTICATED,
    e.AgreementViolation: grpc.StatusCode.PERMISSION_DENIED,
    e.StaleVersion: grpc.StatusCode.FAILED_PRECONDITION,
    e.IllegalTransition: grpc.StatusCode.FAILED_PRECONDITION,
    e.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    e.AccessDenied: grpc.StatusCode.PERMISSION_DENIED,
    e.ReauthenticationRequired: grpc.StatusCode.FAILED_PRECONDITION,
    e.PartnerUnreachable: grpc.StatusCode.UNAVAILABLE,
    e.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    e.BackendUnavailable: grpc.StatusCode.UNAVAILABLE,
}

# Client side: a status code received from a partner, as the domain error to raise.
FROM_CODE: dict[grpc.StatusCode, type[e.ArgosError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: e.InvalidInput,
    grpc.StatusCode.NOT_FOUND: e.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: e.Conflict,
    grpc.StatusCode.PERMISSION_DENIED: e.AgreementViolation,
    grpc.StatusCode.UNAUTHENTICATED: e.SignatureInvalid,
    grpc.StatusCode.FAILED_PRECONDITION: e.StaleVersion,
    grpc.StatusCode.UNAVAILABLE: e.PartnerUnreachable,
    grpc.StatusCode.DEADLINE_EXCEEDED: e.PartnerUnreachable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: e.InvalidInput,
}


def code_for(error: e.ArgosError) -> grpc.StatusCode:
    return status_of(type(error))


def status_of(kind: type[e.ArgosError]) -> grpc.StatusCode:
    for cls in kind.__mro__:
        if cls in CODES:
            return CODES[cls]
    return grpc.StatusCode.INTERNAL


def rpc_status_of(error: e.ArgosError) -> grpc.Status:
    """The status a refusal ends its call with: code, message and the error's kind."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=error.code, domain=ERROR_DOMAIN))
    return rpc_status.to_status(
        status_pb2.Status(code=code_for(error).value[0], message=str(error), details=[info])
    )


def error_kind(error: grpc.RpcError) -> type[e.ArgosError] | None:
    """The kind of refusal an argos node said it was, from the status details."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return None
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Is(info.DESCRIPTOR) and detail.Unpack(info) and info.domain == ERROR_DOMAIN:
            return _BY_CODE.get(info.reason)
    return None


def error_from_rpc(error: grpc.RpcError, who: str) -> e.ArgosError:
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    cls = error_kind(error) or FROM_CODE.get(code, e.PartnerUnreachable)
    if cls is e.PartnerUnreachable:
        return cls(f"{who} could not be reached: {details}")
    return cls(f"{who} refused: {details}")


F = TypeVar("F", bound=Callable[..., Any])


def grpc_method(on_error: Callable[[Any, grpc.ServicerContext, e.ArgosError], None] | None = None):
    """Decorate a servicer method: domain errors become their status code and message;
    on_error(servicer, context, error) may record the refusal first."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self, request, context: grpc.ServicerContext):
            try:
                return fn(self, request, context)
            except e.ArgosError as error:
                if on_error is not None:
                    on_error(self, context, error)
                context.abort_with_status(rpc_status_of(error))

        return inner  # type: ignore[return-value]

    return wrap


def grpc_stream(fn: F) -> F:
    """As grpc_method, for server-streaming methods: errors raised while iterating end
    the stream with their status code and message."""

    @functools.wraps(fn)
    def inner(self, request, context: grpc.ServicerContext):
        try:
            yield from fn(self, request, context)
        except e.ArgosError as error:
            context.abort_with_status(rpc_status_of(error))

    return inner  # type: ignore[return-value]
