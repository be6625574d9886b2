"""The recipient's verify-and-persist pipeline, in one process on real SQLite: our
scheme (one Ed25519 signature per batch over an RFC 6962 Merkle root) against the
baseline that signs and verifies every entry, on the same entries in the same run."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nacl.signing import SigningKey

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain import merkle
from gateway.domain.agreement import AgreementTerms, Purpose
from gateway.domain.identity import NodeSigningKey
from gateway.domain.ids import new_entry_id
from gateway.domain.minimise import MinimisedEntry, epoch_us, received_checker
from gateway.services.sync import verify_received
from gateway.store import received
from gateway.store.database import Database
from gateway.wire import codec, feed_codec

BATCH = 4000


def _batches(n: int, key: NodeSigningKey) -> list[tuple[list[bytes], env.Envelope]]:
    now = datetime.now(UTC)
    out, seq = [], 0
    for start in range(0, n, BATCH):
        leaves = []
        for _ in range(min(BATCH, n - start)):
            seq += 1
            entry = MinimisedEntry(
                new_entry_id(),
                "be-gent",
                1,
                "stolen_vehicle",
                epoch_us(now - timedelta(days=1)),
                epoch_us(now + timedelta(days=30)),
                plate_token=os.urandom(16),
                action="discreet_check",
            )
            leaves.append(feed_codec.upsert_leaf(seq, 1, entry))
        cp = feed_rules.Checkpoint(
            "a",
            1,
            "be-gent",
            "nl-terneuzen",
            seq - len(leaves),
            seq,
            len(leaves),
            merkle.merkle_root(leaves),
        )
        out.append(
            (
                leaves,
                env.sign(feed_rules.CHECKPOINT_PAYLOAD, feed_codec.checkpoint_payload(cp), key),
            )
        )
    return out


def _terms() -> AgreementTerms:
    now = datetime.now(UTC)
    return AgreementTerms(
        "a",
        1,
        "be-gent",
        "nl-terneuzen",
        now - timedelta(days=1),
        now + timedelta(days=365),
        ("stolen_vehicle",),
        (Purpose.CRIMINAL_INVESTIGATION,),
    )


def _apply(database: Database, verified: feed_rules.ReceivedBatch, envelope: env.Envelope) -> None:
    with database.transaction() as db:
        state = received.load_state(db.conn, "a", "be-gent")
        received.apply_batch(db.conn, state, verified, codec.envelope_bytes(envelope))


def run(n: int) -> dict[str, float]:
    key = NodeSigningKey.generate()
    party = feed_rules.FeedParty("a", "be-gent", "nl-terneuzen", key.public)
    terms = _terms()
    batches = _batches(n, key)
    # The baseline provider signs every entry; signing is not timed, only verifying.
    entry_key = SigningKey(key.seed)
    entry_sigs = [[entry_key.sign(leaf).signature for leaf in leaves] for leaves, _ in batches]
    verify_key = entry_key.verify_key

    with tempfile.TemporaryDirectory() as d:
        ours_db, base_db = Database(Path(d) / "ours.sqlite"), Database(Path(d) / "base.sqlite")
        start = time.perf_counter()
        cursor = 0
        for leaves, checkpoint in batches:
            cp, kept, hashes = verify_received(party, cursor, leaves, checkpoint, {1: terms})
            verified = feed_rules.ReceivedBatch(cp, kept, tuple(leaves), hashes)
            _apply(ours_db, verified, checkpoint)
            cursor = verified.checkpoint.to_seq
        ours = time.perf_counter() - start

        start = time.perf_counter()
        check = received_checker(terms, "be-gent")
        for (leaves, checkpoint), sigs in zip(batches, entry_sigs, strict=True):
            changes = []
            for leaf, sig in zip(leaves, sigs, strict=True):
                verify_key.verify(leaf, sig)  # one Ed25519 verification per entry
                change = feed_codec.change_from_leaf(leaf)
                check(change.upsert)
                changes.append(change)
            cp = feed_codec.checkpoint_from_payload(checkpoint.payload)
            batch = feed_rules.VerifiedBatch(
                cp, tuple(changes), tuple(leaves), tuple(merkle.leaf_hashes(leaves))
            )
            verified = feed_rules.ReceivedBatch(
                cp, feed_rules.kept_of(batch), batch.leaves, batch.leaf_hashes
            )
            _apply(base_db, verified, checkpoint)
        baseline = time.perf_counter() - start
        ours_db.close()
        base_db.close()
    return {
        "verify_pipeline_us_per_entry": ours / n * 1e6,
        "verify_baseline_us_per_entry": baseline / n * 1e6,
        "sync_speedup_vs_per_entry_verify": baseline / ours,
    }
