"""A partner cannot lock an agreement (issue 14, point 2): a suspension dated 9999, and
a resumption after it, are refused and recorded; the local administrator still
revokes at once, and the partner's feed stops. The partner here is a stand-in that
signs with nl-terneuzen's real key and certificate, because a well-behaved node never
dates a status change in the future."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.agreement import StatusChange, StatusKind
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as fpb
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hotlist_support import add_entry, received, wait_until


@pytest.fixture
def shared(pair):
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    return pair, agreement_id, pair["be-gent"].add_user("ivan", "investigator")


def _status(
    terneuzen, agreement_id: str, kind: StatusKind, at: datetime
) -> fpb.ChangeAgreementStatusRequest:
    change = StatusChange(agreement_id, 1, kind, "nl-terneuzen", "locked out", at)
    signed = env.sign(
        env.AGREEMENT_STATUS_PAYLOAD, codec.status_payload(change), signing_key(terneuzen)
    )
    return fpb.ChangeAgreementStatusRequest(change=codec.envelope_to_pb(signed))


def test_a_partner_suspending_in_9999_cannot_stop_a_local_revocation(shared, certs):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    entry = add_entry(gent, ivan, "1-LCK-001")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="the entry to sync")

    to_gent = federation_stub(gent, certs, "nl-terneuzen")
    far = datetime(9999, 1, 1, tzinfo=UTC)
    for kind, at in ((StatusKind.SUSPEND, far), (StatusKind.RESUME, far.replace(second=1))):
        with pytest.raises(grpc.RpcError) as refused:
            to_gent.ChangeAgreementStatus(_status(terneuzen, agreement_id, kind, at), timeout=10)
        assert refused.value.code() in (
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    assert gent.json("agreement", "show", agreement_id)["state"] == "active"
    refusals = [
        r
        for r in gent.json("audit", "list", "--limit", "1000")
        if r["action"] == "federation.refused" and r["object_id"] == "ChangeAgreementStatus"
    ]
    assert len(refusals) == 2
    assert "ahead of this node's clock" in refusals[0]["justification"]

    revoked = gent.argos("agreement", "revoke", agreement_id, "--reason", "partner misbehaves")
    assert revoked.returncode == 0
    assert gent.json("agreement", "show", agreement_id)["state"] == "revoked"

    # The partner's feed stops: its copy is purged once the revocation reaches it, and
    # Gent refuses to serve the feed at all.
    wait_until(lambda: not received(terneuzen, agreement_id), what="the partner's purge")
    pull = to_gent.PullHotlistChanges(
        fpb.PullHotlistChangesRequest(agreement_id=agreement_id, after_seq=0), timeout=10
    )
    with pytest.raises(grpc.RpcError) as stopped:
        list(pull)
    assert stopped.value.code() in (
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
    )
