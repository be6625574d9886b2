"""The federation server answers registered partners only. TLS lets in any certificate
from a partner's CA or this node's own; this interceptor then identifies the caller of
every call (FederationService, the gRPC health service, and methods that do not exist)
through the federation gate before any handler runs. A caller that is no registered
partner is refused (PERMISSION_DENIED or UNAUTHENTICATED, with the error's code) and the
gate audits the refusal: who, which method, why; never what was sent. The servicer still
identifies the caller of each FederationService method itself, to act as that partner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from gateway.domain.errors import ArgosError
from gateway.node.status_codes import rpc_status_of
from gateway.node.tls import peer_certificate
from gateway.services.federation import FederationGate

FEDERATION_PREFIX = "/argos.v1.FederationService/"

Guard = Callable[[grpc.ServicerContext], None]


class PartnersOnly(grpc.ServerInterceptor):
    def __init__(self, gate: FederationGate) -> None:
        self._gate = gate
        self._guarded: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        path = handler_call_details.method
        guarded = self._guarded.get(path)
        if guarded is not None:
            return guarded
        handler = continuation(handler_call_details)
        guard = self._guard(_audit_name(path))
        if handler is None:
            # Not cached: a caller chooses the names of methods that do not exist.
            return grpc.stream_stream_rpc_method_handler(_no_such_method(guard))
        return self._guarded.setdefault(path, _wrap(handler, guard))

    def _guard(self, method: str) -> Guard:
        def identify(context: grpc.ServicerContext) -> None:
            try:
                self._gate.identify(peer_certificate(context), method)
            except ArgosError as error:
                context.abort_with_status(rpc_status_of(error))

        return identify


def _audit_name(path: str) -> str:
    """FederationService methods by their own name, as the servicer records them; any
    other by service and method ("grpc.health.v1.Health/Check")."""
    if path.startswith(FEDERATION_PREFIX):
        return path[len(FEDERATION_PREFIX) :]
    return path.lstrip("/")


def _wrap(handler: grpc.RpcMethodHandler, guard: Guard) -> grpc.RpcMethodHandler:
    """The same handler, with the guard run before its behaviour (for a response
    stream: before its first message)."""

    def guarded(behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def run(request: Any, context: grpc.ServicerContext) -> Any:
            guard(context)
            return behaviour(request, context)

        return run

    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(guarded(handler.stream_stream), **codecs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(guarded(handler.stream_unary), **codecs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(guarded(handler.unary_stream), **codecs)
    return grpc.unary_unary_rpc_method_handler(guarded(handler.unary_unary), **codecs)


def _no_such_method(guard: Guard) -> Callable[..., Any]:
    def refuse(requests: Any, context: grpc.ServicerContext) -> Any:
        guard(context)  # a stranger learns nothing, not even which methods exist
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "no such method")

    return refuse
