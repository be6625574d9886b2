"""This node's own key chain on a real node folder and SQLite file (no server): a rotation
keeps the old key in keys/, the node signs with the new key at once, its audit log
still verifies when its head was sealed under an earlier key, and a node restarted
from the folder signs with the chain's head."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import InvalidInput
from gateway.domain.roles import Role
from gateway.node.config import load_config
from gateway.node.key_folder import KeyFolder
from gateway.services.context import Caller, head_message
from tests.unit.app_support import NoPartners, gent_config

ADMIN = Caller("user", "alice", Role.ADMIN)


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    config = gent_config(tmp_path, certs)
    application = build_application(config, federation=NoPartners())
    yield application
    application.close()


def test_a_rotation_signs_at_once_with_the_new_key_and_keeps_the_old_one(app) -> None:
    old = app.ctx.signing_key
    key, partners = app.signing_keys.rotate(ADMIN, timedelta(days=7), "scheduled")
    assert partners == []
    assert app.ctx.signing_key.key_id == key.key_id != old.key_id
    folder = KeyFolder(app.config)
    assert folder.current().key_id == key.key_id
    assert [k.key_id for k in folder.chain().keys] == [old.key_id, key.key_id]
    kept = app.config.home / "keys" / (old.key_id.replace(":", "-") + ".key")
    assert kept.stat().st_mode & 0o077 == 0
    with app.store.read() as uow:
        head, signature = uow.audit.head()
    assert key.key.verify(head_message(head), signature)  # the rotation record itself


def test_the_audit_log_verifies_when_its_head_was_sealed_under_an_earlier_key(app) -> None:
    """As after a rotation whose database commit was lost: the folder holds the new key,
    the head was signed by the old one."""
    app.signing_keys.rotate(ADMIN, timedelta(days=7), "scheduled")
    newest = app.ctx.signing_key
    app.ctx.signing_key = _old_key(app)
    app.ctx.record(ADMIN, "test.sealed_by_old_key", "test", "1")
    app.ctx.signing_key = newest
    checked, problem = app.ctx.verify_audit()
    assert problem is None and checked > 0
    app.ctx.own_chain = None  # only the current key: the head no longer verifies
    _, problem = app.ctx.verify_audit()
    assert problem is not None and "signature does not verify" in problem.reason


def test_a_restarted_node_signs_with_the_head_of_its_chain(app) -> None:
    key, _ = app.signing_keys.rotate(ADMIN, timedelta(0), "scheduled")
    restarted = build_application(
        load_config(app.config.home), federation=NoPartners(), store=app.store
    )
    assert restarted.ctx.signing_key.key_id == key.key_id
    assert len(restarted.ctx.own_keys) == 2


def test_a_revocation_in_the_future_or_of_an_unknown_key_is_refused(app) -> None:
    from datetime import UTC, datetime

    with pytest.raises(InvalidInput, match="not a future one"):
        app.signing_keys.revoke(ADMIN, "", datetime.now(UTC) + timedelta(hours=1), "x")
    with pytest.raises(InvalidInput, match="never signed with key"):
        app.signing_keys.revoke(ADMIN, "ed25519:" + "0" * 32, datetime.now(UTC), "x")
    assert len(KeyFolder(app.config).chain().keys) == 1  # nothing changed


def _old_key(app: Application):
    from gateway.domain.identity import NodeSigningKey
    from gateway.node.config import read_secret

    first = KeyFolder(app.config).chain().keys[0]
    return NodeSigningKey(
        read_secret(app.config.home / "keys" / (first.key_id.replace(":", "-") + ".key"))
    )
