"""Four ports rotate everything while the federation works (issue 15, done means 1).

Gent, Terneuzen, Antwerpen and Rotterdam are partners of each other, each pair under
one agreement shared both ways. While a worker keeps the federation busy (every round
each port lists a new plate, each port's camera sees every other port's plates, and
one investigator asks a partner to confirm a hit, answered by a person there), each
port in turn rotates its signing key, then its plate-token secret, then its TLS
certificate (served from the next handshake on). Then each ends its token overlap:
every partner drops the old key from its index, and reads still hit under the new keys
alone. Afterwards every signed head matches, every hit reached its owner exactly
once, every confirmation was answered, `argos audit verify` and `argos sync verify`
pass on every port, and what each port held before the rotations still verifies.

Everything is real: four `argos serve` processes over mutual TLS, SQLite files, the
CLI; the renewed certificates are issued by the development CA."""

from __future__ import annotations

import itertools
import random
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from gateway.domain.envelope import Envelope, pae
from gateway.domain.identity import PublicNodeKey
from gateway.federation import LocalFederation
from gateway.wire.codec import envelope_from_bytes
from tests.integration.hits_support import hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, wait_until
from tests.integration.tls_support import dev_ca, file_fingerprint, renew, served_fingerprint

PORTS = ("be-gent", "nl-terneuzen", "be-antwerpen", "nl-rotterdam")
LETTERS = "BCDFGHJKLNPRSTXZ"
VEHICLE_CODE = {"BE": "B", "NL": "NL"}  # how an entry names the country


def _plate(port: str, rng: random.Random) -> tuple[str, str, str]:
    """A new plate of the port's country, as listed, as read, and the read's country:
    random letters keep one port's plates far from each other for fuzzy matching."""
    letters = "".join(rng.choice(LETTERS) for _ in range(3))
    digits = f"{rng.randrange(1000):03d}"
    if port.startswith("be-"):
        listed = f"{rng.randrange(1, 10)}-{letters}-{digits}"
        return listed, listed.replace("-", ""), "BE"
    listed = f"{letters[:2]}-{digits}-{letters[2]}"
    return listed, listed.replace("-", ""), "NL"


class Federation:
    """The four ports, their agreements, and the people and cameras each has."""

    def __init__(self, tmp_path: Path, certs: Path) -> None:
        self.pki = tmp_path / "pki"
        shutil.copytree(certs, self.pki)
        self.local = LocalFederation(tmp_path / "nodes", self.pki, PORTS)
        self.tmp = tmp_path
        self.agreements: dict[frozenset[str], str] = {}
        self.people: dict[str, dict[str, Path]] = {}
        self.reads: dict[str, list[dict]] = {p: [] for p in PORTS}  # a read of each plate

    def start(self) -> None:
        self.local.start()
        for a, b in itertools.combinations(PORTS, 2):
            self.local.connect(a, b)
        for a, b in itertools.combinations(PORTS, 2):
            self.agreements[frozenset((a, b))] = self.local.agree(
                a, b, "--categories", "stolen_vehicle", "--granularity", "site"
            )
        for port in PORTS:
            node = self.local[port]
            self.people[port] = {
                "investigator": node.add_user("ivan", "investigator"),
                "camera": node.add_user("cam", "adapter"),
            }

    def __getitem__(self, port: str):
        return self.local[port]

    def agreements_of(self, port: str) -> list[str]:
        return [a for pair, a in self.agreements.items() if port in pair]

    def stop(self) -> None:
        self.local.stop()


@pytest.fixture
def four(tmp_path, certs):
    federation = Federation(tmp_path, certs)
    try:
        federation.start()
        yield federation
    finally:
        federation.stop()


class Traffic(threading.Thread):
    """Rounds of ordinary work until told to stop: each round every port lists a plate,
    every camera reads every partner's plates listed so far, and one confirmation is
    asked and answered. What it did is kept for the checks afterwards."""

    def __init__(self, four: Federation) -> None:
        super().__init__(daemon=True)
        self.four = four
        self.stop_after_round = threading.Event()
        self.rounds = 0
        self.requests: list[tuple[str, str]] = []  # (asking port, request id)
        self.failure: BaseException | None = None
        self.rng = random.Random(15)

    def run(self) -> None:
        try:
            while not self.stop_after_round.is_set():
                self.round()
        except BaseException as exc:
            self.failure = exc

    def round(self) -> None:
        four, n = self.four, self.rounds
        for port in PORTS:
            listed, as_read, country = _plate(port, self.rng)
            add_entry(four[port], four.people[port]["investigator"], listed, VEHICLE_CODE[country])
            four.reads[port].append(read(as_read, country))
        for port in PORTS:
            seen = [four.reads[other][-1] for other in PORTS if other != port]
            batch = reads_file(four.tmp / f"reads-{port}-{n}.jsonl", seen)
            four[port].argos("reads", "replay", str(batch), token_file=four.people[port]["camera"])
        self.confirm(PORTS[n % len(PORTS)])
        self.rounds += 1

    def hits_seen(self) -> int:
        """Hits of every port's cameras on partners' entries, so far."""
        four = self.four
        return sum(
            len(hits(four[p], four.people[p]["investigator"], "--observed", "--limit", "1000"))
            for p in PORTS
        )

    def confirm(self, asking: str) -> None:
        """The asking port's investigator asks the owner of its newest observed hit to
        confirm it; the owner's investigator answers once it arrives."""
        four = self.four
        asker = four.people[asking]["investigator"]
        observed = wait_until(
            lambda: hits(four[asking], asker, "--observed"), timeout=60, what="a hit to ask about"
        )
        hit = observed[0]
        asked = four[asking].json(
            "confirm",
            "request",
            "--kind",
            "alert",
            "--hit",
            hit["hit_id"],
            "--purpose",
            "criminal_investigation",
            "--case-reference",
            f"PV-ROT-{self.rounds}",
            token_file=asker,
        )
        request_id = asked["request"]["request_id"]
        owner, answerer = four[hit["owner"]], four.people[hit["owner"]]["investigator"]
        wait_until(
            lambda: (
                owner.argos(
                    "confirm", "show", request_id, token_file=answerer, check=False
                ).returncode
                == 0
            ),
            timeout=60,
            what="the request at the owner",
        )
        owner.argos("confirm", "answer", request_id, "--outcome", "confirmed", token_file=answerer)
        self.requests.append((asking, request_id))


def _rotate_everything(four: Federation, traffic: Traffic) -> None:
    for port in PORTS:
        node = four[port]
        node.argos("keys", "rotate", "signing", "--overlap", "10m")
        node.argos("keys", "rotate", "token", "--overlap", "1h")
        renew(four.pki / port, port, *dev_ca(four.pki))
        node.argos("tls", "reload")
        assert served_fingerprint(node, four.pki / PORTS[PORTS.index(port) - 1]) == (
            file_fingerprint(four.pki / port / "cert.pem")
        )
        # Each step lands while the worker is mid-round; let a round end under the
        # new keys before the next port rotates.
        done = traffic.rounds
        wait_until(
            lambda d=done: traffic.rounds > d or traffic.failure,
            timeout=300,
            what="a round of traffic after the rotation",
        )


@pytest.mark.slow  # `make test-slow`: named in the README
def test_every_port_rotates_every_key_while_the_federation_works(four):
    traffic = Traffic(four)
    traffic.start()
    wait_until(lambda: traffic.rounds >= 1 or traffic.failure, timeout=180, what="a first round")
    assert traffic.failure is None, repr(traffic.failure)
    before = {port: _stored_envelopes(four[port]) for port in PORTS}
    _rotate_everything(four, traffic)
    traffic.stop_after_round.set()
    traffic.join(timeout=300)
    assert traffic.failure is None, repr(traffic.failure)

    # Each port ends its token overlap once its feeds are re-sent; every partner then
    # drops the old key from its index, while running, and matching goes on under the
    # new keys alone (one more round of reads and a confirmation).
    for port in PORTS:
        node = four[port]
        wait_until(
            lambda n=node: n.json("keys", "token-status")["feeds_pending"] == 0,
            timeout=120,
            what=f"{port}'s re-send",
        )
        node.argos("keys", "end-overlap", "token")
    for port in PORTS:
        wait_until(
            lambda n=four[port]: all(
                row["epochs_held"] == [1] and row["keys_in_index"] == 1
                for row in n.json("keys", "token-status")["received"]
            ),
            timeout=120,
            what=f"{port} to drop its partners' old token keys",
        )
    hits_before = traffic.hits_seen()
    traffic.round()
    assert traffic.hits_seen() == hits_before + len(PORTS) * (len(PORTS) - 1)
    for port in PORTS:
        chain = four[port].json("keys", "signing")
        assert [k["state"] for k in chain][-1] == "current" and len(chain) == 2

    # Every signed head matches: each side of each agreement holds the other's set.
    for pair, agreement_id in four.agreements.items():
        a, b = sorted(pair)
        for provider, recipient in ((a, b), (b, a)):
            wait_until(
                lambda p=provider, r=recipient, g=agreement_id: in_step(four[p], four[r], g),
                timeout=120,
                what=f"{recipient} in step with {provider}",
            )
    # Every hit reached its owner exactly once.
    for observer in PORTS:
        token = four.people[observer]["investigator"]
        for hit in hits(four[observer], token, "--observed", "--limit", "1000"):
            assert hit["owner_notified"], hit["hit_id"]
    for owner in PORTS:
        token = four.people[owner]["investigator"]
        at_owner = [h["hit_id"] for h in hits(four[owner], token, "--limit", "1000")]
        assert len(at_owner) == len(set(at_owner))
        sent = {
            h["hit_id"]
            for observer in PORTS
            if observer != owner
            for h in hits(
                four[observer],
                four.people[observer]["investigator"],
                "--observed",
                "--limit",
                "1000",
            )
            if h["owner"] == owner
        }
        assert sent == set(at_owner) - {
            h["hit_id"]
            for h in hits(four[owner], token, "--limit", "1000")
            if h["observer"] == owner
        }
    # Every confirmation was answered, at the port that asked.
    # (one a round; the first round before any rotation, at least one after each port's)
    assert len(traffic.requests) == traffic.rounds > len(PORTS)
    for asking, request_id in traffic.requests:
        token = four.people[asking]["investigator"]
        wait_until(
            lambda n=four[asking], t=token, r=request_id: (
                n.json("confirm", "show", r, token_file=t)["state"] == "CONFIRMATION_STATE_ANSWERED"
            ),
            timeout=60,
            what=f"the answer to {request_id}",
        )
    # The audit chains and every held feed verify, under every key each port ever had.
    for port in PORTS:
        node = four[port]
        assert "audit log intact" in node.argos("audit", "verify").stdout
        for agreement_id in four.agreements_of(port):
            node.argos("sync", "verify", agreement_id)
    # Every envelope a port held before the rotations (agreements, checkpoints,
    # notifications, confirmations) still verifies, each signature under the key it
    # names, with the keys the port now holds for itself and its partners; and those
    # keys are no longer the ones anyone signs with.
    for port in PORTS:
        keys = _held_keys(four[port])
        current = {k["key_id"] for k in keys.values() if k["state"] == "current"}
        old_signers = set()
        for envelope in before[port]:
            for signature in envelope.signatures:
                key = keys[signature.key_id]
                assert PublicNodeKey(bytes.fromhex(key["public_key"])).verify(
                    pae(envelope.payload_type, envelope.payload), signature.sig
                ), (port, signature.key_id)
                old_signers.add(signature.key_id)
        assert old_signers and not old_signers & current


def _held_keys(node) -> dict[str, dict]:
    """key id -> the key as the node lists it: its own chain and each partner's."""
    keys = {k["key_id"]: k for k in node.json("keys", "signing")}
    for partner in PORTS:
        if partner != node.node_id:
            shown = node.json("partner", "keys", "show", partner)
            keys |= {k["key_id"]: k for k in shown["keys"]}
    return keys


def _stored_envelopes(node) -> list[Envelope]:
    """Every signed envelope the node's database holds."""
    queries = (
        "SELECT envelope FROM agreement_versions",
        "SELECT envelope FROM checkpoints",
        "SELECT envelope FROM received_hits",
        "SELECT request_envelope FROM confirmations",
        "SELECT event_envelope FROM confirmations WHERE event_envelope IS NOT NULL",
    )
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return [envelope_from_bytes(row[0]) for query in queries for row in db.execute(query)]
