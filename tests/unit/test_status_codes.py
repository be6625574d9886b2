"""A refusal crosses the wire as its kind, not as English: the server puts the error's
code in the status details (google.rpc.ErrorInfo) and the client raises that exact kind
again, whatever the message says. Over a real gRPC server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from gateway.domain import errors as e
from gateway.node.status_codes import error_from_rpc, grpc_method, grpc_stream

SERVICE = "argos.test.Refuser"


class Refuser:
    """Refuses every call with the error it is told to raise."""

    def __init__(self) -> None:
        self.error: Exception = e.InvalidInput("unset")

    @grpc_method()
    def Unary(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        raise self.error

    @grpc_stream
    def Stream(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        yield b"first"
        raise self.error


@pytest.fixture
def refuser() -> Iterator[tuple[Refuser, grpc.Channel]]:
    servicer = Refuser()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(servicer.Unary),
        "Stream": grpc.unary_stream_rpc_method_handler(servicer.Stream),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield servicer, channel
    finally:
        channel.close()
        server.stop(None)


def _refusal_of_call(channel: grpc.Channel, method: str) -> e.ArgosError:
    call = (channel.unary_unary if method == "Unary" else channel.unary_stream)(
        f"/{SERVICE}/{method}"
    )
    with pytest.raises(grpc.RpcError) as raised:
        result = call(b"", timeout=10)
        list(result) if method == "Stream" else None
    return error_from_rpc(raised.value, "be-gent")


@pytest.mark.parametrize("method", ["Unary", "Stream"])
def test_a_feed_behind_the_cursor_is_told_by_its_code_whatever_the_words(refuser, method):
    servicer, channel = refuser
    servicer.error = e.FeedBehindCursor("le flux est en retard sur votre curseur")
    refusal = _refusal_of_call(channel, method)
    assert type(refusal) is e.FeedBehindCursor
    assert "le flux est en retard" in str(refusal)


@pytest.mark.parametrize(
    "error",
    [e.SignatureInvalid("x"), e.AgreementViolation("x"), e.PartnerUnknown("x"), e.NotFound("x")],
    ids=lambda error: type(error).__name__,
)
def test_every_kind_of_refusal_comes_back_as_that_kind(refuser, error):
    servicer, channel = refuser
    servicer.error = error
    assert type(_refusal_of_call(channel, "Unary")) is type(error)


def test_a_status_without_the_code_is_read_by_its_grpc_status_alone():
    """An older node (or a proxy) answers without details: the status code decides."""

    def plain(request: bytes, context: grpc.ServicerContext) -> bytes:
        context.abort(grpc.StatusCode.FAILED_PRECONDITION, "cursor 9 is ahead of this feed")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                SERVICE, {"Unary": grpc.unary_unary_rpc_method_handler(plain)}
            ),
        )
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as plain:
            refusal = _refusal_of_call(plain, "Unary")
    finally:
        server.stop(None)
    assert type(refusal) is e.StaleVersion
