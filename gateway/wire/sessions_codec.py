"""Console sessions (protos/argos/v1/sessions.proto) to protobuf."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.sessions import ConsoleSession, SessionPolicy, absolute_end
from gateway.wire.admin_codec import ROLE_TO_PB
from gateway.wire.argos.v1 import sessions_pb2 as pb
from gateway.wire.strict import to_timestamp


def session_pb(session: ConsoleSession, policy: SessionPolicy, now: datetime) -> pb.Session:
    message = pb.Session(
        session_id=session.session_id,
        user=session.user,
        role=ROLE_TO_PB[session.role],
        started_at=to_timestamp(session.started_at),
        last_seen_at=to_timestamp(session.last_seen_at),
        idle_timeout_s=int(policy.idle_timeout.total_seconds()),
        absolute_end=to_timestamp(absolute_end(session, policy)),
        client_address=session.client_address,
    )
    if session.fresh_until is not None and now < session.fresh_until:
        message.fresh_until.CopyFrom(to_timestamp(session.fresh_until))
    return message
