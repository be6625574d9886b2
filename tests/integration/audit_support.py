"""A real node whose audit log is older than its retention: be-gent's folder is made and
its first records written by the application in-process, under a clock set years back
(nothing else can age a log: records are signed with their time); then the real
`argos serve` process runs its purge loop and erases them behind a signed anchor."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from gateway.bootstrap import build_application
from gateway.domain.roles import Role
from gateway.domain.times import utc_now
from gateway.federation import LocalNode
from gateway.node.config import init_node_home, write_private
from gateway.services.context import Caller
from tests.integration.hotlist_support import wait_until
from tests.unit.app_support import NoPartners

ADMIN = Caller("user", "admin", Role.ADMIN)


class SetClock:
    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


@dataclass
class AgedNode:
    node: LocalNode
    erased: int  # records erased by the node's purge loop
    auditor: Path  # token file


def aged_node(tmp_path: Path, certs: Path) -> AgedNode:
    """be-gent, whose first records (made 1,200 days ago) were erased by its own purge
    loop; records made 1,000 days ago and today are kept."""
    node = LocalNode("be-gent", tmp_path / "be-gent", certs)
    config = init_node_home(
        node.home,
        node_id="be-gent",
        federation_listen=node.endpoint,
        federation_endpoint=None,
        tls_cert=certs / "be-gent" / "cert.pem",
        tls_key=certs / "be-gent" / "key.pem",
        tls_ca=certs / "ca.pem",
    )
    clock = SetClock(utc_now() - timedelta(days=1200))
    app = build_application(config, federation=NoPartners(), clock=clock)
    try:
        token = app.administration.initialise("admin")
        for name in ("ivan", "olga", "joris"):
            app.users.add_user(ADMIN, name, Role.INVESTIGATOR)
        with app.store.read() as uow:
            erased = uow.audit.count()
        clock.now = utc_now() - timedelta(days=1000)
        for name in ("piet", "joke", "els", "wim"):
            app.users.add_user(ADMIN, name, Role.OPERATOR)
    finally:
        app.close()
    write_private(node.home / "admin.token", token.encode() + b"\n")
    with (node.home / "node.toml").open("a") as f:
        f.write("purge_interval_s = 0.2\n")
    node.start()
    wait_until(lambda: anchors(node), what="the purge loop to erase the old records")
    auditor = node.add_user("dora", "auditor")
    return AgedNode(node, erased, auditor)


def anchors(node: LocalNode) -> list[tuple]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute("SELECT seq, hash, key_id FROM audit_anchor ORDER BY rowid").fetchall()


def audit_records(node: LocalNode, token: Path | None = None) -> list[dict]:
    return json.loads(
        node.argos("audit", "list", "--limit", "1000", "--json", token_file=token).stdout
    )


def tamper(node: LocalNode, *statements: str, params: tuple = ()) -> None:
    """Stop the node, edit its SQLite file as someone with access to the disk would, and
    start it again."""
    node.stop()
    with sqlite3.connect(node.home / "node.sqlite") as db:
        for statement in statements:
            db.execute(statement, params if "?" in statement else ())
    node.start()
