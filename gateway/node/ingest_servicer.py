"""The local ingest API: adapters stream camera reads in, operators watch alerts. Thin:
protobuf in, the ingest use cases, protobuf out."""

from __future__ import annotations

import threading

import grpc

from gateway.bootstrap import Application
from gateway.node.admin_servicer import local_caller, local_token
from gateway.node.status_codes import grpc_method, grpc_stream
from gateway.wire import admin_codec as wire
from gateway.wire import alerts_codec
from gateway.wire.argos.v1 import ingest_pb2, ingest_pb2_grpc


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(self, app: Application, stopping: threading.Event) -> None:
        self._app = app
        self._stopping = stopping

    @grpc_stream
    def SubmitReads(self, request_iterator, context: grpc.ServicerContext):
        token = local_token(self._app, context)
        caller = token.caller
        # A stream holds a thread of the admin pool: capped per adapter user and in all.
        context.add_callback(self._app.ingest.reading(caller).release)
        for request in request_iterator:
            token.check()  # a disabled, removed or expired adapter stops at its next batch
            reads = [wire.read_from_pb(r) for r in request.reads]
            answer = self._app.ingest.submit(caller, reads, request.batch_id)
            yield wire.submit_answer_pb(request.batch_id, answer)

    @grpc_stream
    def WatchAlerts(self, request, context: grpc.ServicerContext):
        gone = threading.Event()
        context.add_callback(gone.set)
        token = local_token(self._app, context)
        # The token is looked at again each time the watch polls (every half second): a
        # disabled, removed or expired user's stream ends then, saying why.
        items = self._app.ingest.watch(
            token.caller,
            lambda: gone.is_set() or self._stopping.is_set() or not token.still_works(),
            request.after_position if request.HasField("after_position") else None,
        )
        # Accepted (authorised, audited, within the caps): said at once, before any
        # item, so a client (the console) knows the watch is open before one arrives.
        context.send_initial_metadata((("argos-watch", "open"),))
        for item in items:
            yield alerts_codec.watch_response_pb(item)
        if token.refusal is not None:
            raise token.refusal

    @grpc_method()
    def MarkAlert(self, request, context: grpc.ServicerContext):
        caller = local_caller(self._app, context)
        logged = self._app.ingest.mark(caller, request.position, wire.alert_mark_name(request.mark))
        return ingest_pb2.MarkAlertResponse(position=logged.position)
