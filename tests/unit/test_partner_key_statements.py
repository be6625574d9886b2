"""What a partner announces about its signing keys, received by the use case on a real
node folder and SQLite file (no server): a rotation that extends the chain is applied,
a duplicate changes nothing, a fork is refused and audited with its key held pending
until the administrator confirms its fingerprint, and a revocation whose signature
does not verify changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain import envelope as env
from gateway.domain.errors import KeyChainFork, KeyNotAccepted, SignatureInvalid
from gateway.domain.identity import NodeSigningKey
from gateway.domain.keychain import (
    REVOCATION_PAYLOAD,
    ROTATION_PAYLOAD,
    RevocationStatement,
    RotationStatement,
    key_fingerprint,
)
from gateway.domain.roles import Role
from gateway.services.context import Caller
from gateway.wire import keys_codec
from tests.unit.app_support import NoPartners, gent_config

ADMIN = Caller("user", "alice", Role.ADMIN)
K = [NodeSigningKey.generate() for _ in range(4)]


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    config = gent_config(tmp_path, certs)
    application = build_application(config, federation=NoPartners())
    application.administration.add_partner(
        ADMIN,
        node_id="nl-terneuzen",
        endpoint="127.0.0.1:2",
        public_key=K[0].public.raw,
        tls_ca_pem=(certs / "ca.pem").read_text(),
    )
    yield application
    application.close()


def rotation(seq: int, old: NodeSigningKey, new: NodeSigningKey, previous: str) -> env.Envelope:
    now = datetime.now(UTC)
    s = RotationStatement("nl-terneuzen", seq, new.public, now, now + timedelta(days=1), previous)
    return env.sign(ROTATION_PAYLOAD, keys_codec.rotation_payload(s), old).with_signature(new)


def chain(app: Application):
    with app.store.read() as uow:
        return uow.partners.get("nl-terneuzen").key_chain


def actions(app: Application) -> list[str]:
    with app.store.read() as uow:
        return [r.action for r in uow.audit.records()]


def test_a_rotation_extends_once_and_a_fork_waits_for_the_administrator(app) -> None:
    first = rotation(1, K[0], K[1], "")  # an administrator-registered head: no hash yet
    assert app.partner_keys.receive("nl-terneuzen", first) == "accepted"
    assert app.partner_keys.receive("nl-terneuzen", first) == "duplicate"
    assert chain(app).head.key_id == K[1].key_id
    assert actions(app).count("partner.key_rotated") == 1

    fork = rotation(1, K[0], K[2], "")  # the old key signs another sequence 1
    with pytest.raises(KeyChainFork, match="held pending"):
        app.partner_keys.receive("nl-terneuzen", fork)
    held = chain(app)
    assert held.head.key_id == K[1].key_id and held.get(K[2].key_id).pending
    # The same statement again: still pending, recorded once.
    assert app.partner_keys.receive("nl-terneuzen", fork) == "pending"
    assert actions(app).count("partner.key_fork") == 1
    with pytest.raises(KeyNotAccepted, match="awaits confirmation"):
        held.check_new([K[2].key_id], datetime.now(UTC))

    confirmed = app.partner_keys.confirm(
        ADMIN, "nl-terneuzen", key_fingerprint(K[2].public), "read out on the phone"
    )
    assert confirmed.key_id == chain(app).head.key_id == K[2].key_id
    assert "partner.key_confirmed" in actions(app)


def test_a_revocation_that_does_not_verify_changes_nothing(app) -> None:
    before = chain(app)
    statement = RevocationStatement("nl-terneuzen", K[0].key_id, datetime.now(UTC))
    forged = env.sign(REVOCATION_PAYLOAD, keys_codec.revocation_payload(statement, None), K[3])
    with pytest.raises(SignatureInvalid):
        app.partner_keys.receive("nl-terneuzen", forged)
    assert chain(app) == before
    genuine = env.sign(REVOCATION_PAYLOAD, keys_codec.revocation_payload(statement, None), K[0])
    assert app.partner_keys.receive("nl-terneuzen", genuine) == "accepted"
    assert chain(app).get(K[0].key_id).revoked_since is not None
    assert "partner.key_revoked" in actions(app)
