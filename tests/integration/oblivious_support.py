"""A stand-in for an owner node that misbehaves under oblivious matching, for the tests
that need one: it serves with the owner's own certificate, forwards every federation
call to the real owner unchanged, and answers EvaluatePlates itself, either under
another key than the one the owner committed to (with a proof valid for that other
key), or not at all (UNAVAILABLE). It records the blinded elements it is sent."""

from __future__ import annotations

import os
import sqlite3
from concurrent import futures
from pathlib import Path

import grpc

from gateway.domain import oprf
from gateway.federation import free_port
from gateway.wire.argos.v1 import federation_pb2 as fpb

EVALUATE = "/argos.v1.FederationService/EvaluatePlates"
STREAMS = {"/argos.v1.FederationService/PullHotlistChanges", "/grpc.health.v1.Health/Watch"}


class MisbehavingOwner:
    def __init__(self, owner, certs: Path, as_node: str, *, answer: str = "other_key") -> None:
        self.answer = answer  # "other_key" or "unavailable"
        self.seen: list[bytes] = []
        self.port = free_port()
        self._key = oprf.derive_key_pair(os.urandom(32), b"not the committed key")
        upstream = grpc.ssl_channel_credentials(
            root_certificates=(certs / "ca.pem").read_bytes(),
            private_key=(certs / as_node / "key.pem").read_bytes(),
            certificate_chain=(certs / as_node / "cert.pem").read_bytes(),
        )
        self._channel = grpc.secure_channel(
            owner.endpoint, upstream, options=[("grpc.ssl_target_name_override", owner.node_id)]
        )
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self._server.add_generic_rpc_handlers([_Forward(self)])
        own = grpc.ssl_server_credentials(
            [
                (
                    (certs / owner.node_id / "key.pem").read_bytes(),
                    (certs / owner.node_id / "cert.pem").read_bytes(),
                )
            ],
            root_certificates=(certs / "ca.pem").read_bytes(),
            require_client_auth=True,
        )
        self._server.add_secure_port(f"127.0.0.1:{self.port}", own)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop(grace=None)
        self._channel.close()

    def evaluate(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        blinded = list(fpb.EvaluatePlatesRequest.FromString(request).blinded)
        self.seen += blinded
        if self.answer == "unavailable":
            context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in owner: not answering")
        answer = oprf.blind_evaluate(self._key, blinded)
        return fpb.EvaluatePlatesResponse(
            evaluated=answer.elements, proof=answer.proof
        ).SerializeToString()


class _Forward(grpc.GenericRpcHandler):
    def __init__(self, owner: MisbehavingOwner) -> None:
        self._owner = owner

    def service(self, details):
        method = details.method
        if method == EVALUATE:
            return grpc.unary_unary_rpc_method_handler(self._owner.evaluate)
        channel = self._owner._channel
        if method in STREAMS:

            def stream(request, context):
                try:
                    yield from channel.unary_stream(method)(request, timeout=300)
                except grpc.RpcError as e:
                    context.set_trailing_metadata(e.trailing_metadata() or ())
                    context.abort(e.code(), e.details() or "")

            return grpc.unary_stream_rpc_method_handler(stream)

        def unary(request, context):
            try:
                return channel.unary_unary(method)(request, timeout=30)
            except grpc.RpcError as e:
                context.set_trailing_metadata(e.trailing_metadata() or ())
                context.abort(e.code(), e.details() or "")

        return grpc.unary_unary_rpc_method_handler(unary)


def route_partner_through(node, partner_id: str, endpoint: str) -> None:
    """Point a stopped node at another endpoint for one partner (its registry row)."""
    with sqlite3.connect(node.home / "node.sqlite") as db:
        db.execute("UPDATE partners SET endpoint = ? WHERE node_id = ?", (endpoint, partner_id))
