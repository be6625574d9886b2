"""The recipient's verify-and-persist pipeline on real SQLite: our scheme (one Ed25519
signature per batch over an RFC 6962 Merkle root) against the baseline that signs and
verifies every entry, on the same entries in the same run.

Both run the way a node runs them (gateway.node.sync_runner): a read-ahead thread has
each batch verified in the node's verifier process (gateway.node.verifier) while the
main thread writes the one before; only the verify function differs. Both workers are
started before timing, as a node's is after its first batch. The same two schemes are
also timed one batch after another in one thread (`..._inline_...`): the pipeline
hides part of verification behind writing, which favours the cheaper scheme less
than it seems, so both figures are shown."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nacl.signing import SigningKey, VerifyKey

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain import merkle
from gateway.domain.agreement import AgreementTerms, Purpose
from gateway.domain.identity import NodeSigningKey
from gateway.domain.ids import new_entry_id
from gateway.domain.minimise import MinimisedEntry, epoch_us, received_checker
from gateway.node.sync_runner import READ_AHEAD, read_ahead
from gateway.node.verifier import ProcessVerifier
from gateway.services.sync import Verifier, verify_received
from gateway.store.sqlite import SqliteStore
from gateway.wire import feed_codec

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


def _apply(store: SqliteStore, verified: feed_rules.ReceivedBatch, envelope: env.Envelope) -> None:
    with store.write() as uow:
        state = uow.received.state("a", "be-gent")
        uow.received.apply_batch(state, verified, envelope)
        uow.commit()


def verify_each_entry(
    party: feed_rules.FeedParty,
    cursor: int,
    signed_leaves: list[bytes],
    checkpoint: env.Envelope,
    terms_by_version: dict[int, AgreementTerms],
) -> tuple[feed_rules.Checkpoint, feed_rules.Kept, tuple[bytes, ...]]:
    """The baseline as a Verifier: each leaf arrives as its Ed25519 signature (64 bytes)
    followed by the leaf, and each signature is verified; the checkpoint only says
    where the batch sits. What is kept is the same as ours."""
    key = VerifyKey(party.provider_keys.raw)
    check = received_checker(terms_by_version[1], party.provider)
    changes, leaves = [], []
    for item in signed_leaves:
        leaf = key.verify(item[64:], item[:64])  # one Ed25519 verification per entry
        change = feed_codec.change_from_leaf(leaf)
        check(change.upsert)
        changes.append(change)
        leaves.append(leaf)
    cp = feed_codec.checkpoint_from_payload(checkpoint.payload)
    batch = feed_rules.VerifiedBatch(
        cp, tuple(changes), tuple(leaves), tuple(merkle.leaf_hashes(leaves))
    )
    return cp, feed_rules.kept_of(batch), batch.leaf_hashes


def _pipeline(
    verifier: Verifier,
    database: SqliteStore,
    party: feed_rules.FeedParty,
    terms: AgreementTerms,
    batches: list[tuple[list[bytes], list[bytes], env.Envelope]],
    *,
    overlapped: bool,
) -> float:
    """Seconds to verify and persist every batch (sent form, leaves, checkpoint)."""

    def verified() -> Iterator[tuple[feed_rules.ReceivedBatch, env.Envelope]]:
        cursor = 0
        for sent, leaves, checkpoint in batches:
            cp, kept, hashes = verifier(party, cursor, sent, checkpoint, {1: terms})
            cursor = cp.to_seq
            yield feed_rules.ReceivedBatch(cp, kept, tuple(leaves), hashes), checkpoint

    start = time.perf_counter()
    items = read_ahead(verified(), READ_AHEAD) if overlapped else verified()
    for batch, checkpoint in items:
        _apply(database, batch, checkpoint)
    return time.perf_counter() - start


def run(n: int) -> dict[str, float]:
    key = NodeSigningKey.generate()
    party = feed_rules.FeedParty("a", "be-gent", "nl-terneuzen", key.public)
    terms = _terms()
    batches = _batches(n, key)
    # The baseline provider signs every entry; signing is not timed, only verifying.
    entry_key = SigningKey(key.seed)
    entry_sigs = [[entry_key.sign(leaf).signature for leaf in leaves] for leaves, _ in batches]

    ours_batches = [(leaves, leaves, cp) for leaves, cp in batches]
    base_batches = [
        ([sig + leaf for leaf, sig in zip(leaves, sigs, strict=True)], leaves, cp)
        for (leaves, cp), sigs in zip(batches, entry_sigs, strict=True)
    ]
    ours_worker = ProcessVerifier()
    base_worker = ProcessVerifier(verify=verify_each_entry)
    results: dict[str, float] = {}
    try:
        # Start both workers (a node's starts with its first big batch).
        ours_worker(party, 0, *ours_batches[0][::2], {1: terms})
        base_worker(party, 0, *base_batches[0][::2], {1: terms})
        with tempfile.TemporaryDirectory() as d:
            for name, verifier, sent, overlapped in (
                ("verify_pipeline", ours_worker, ours_batches, True),
                ("verify_baseline", base_worker, base_batches, True),
                ("verify_inline", verify_received, ours_batches, False),
                ("verify_inline_baseline", verify_each_entry, base_batches, False),
            ):
                database = SqliteStore(Path(d) / f"{name}.sqlite", "nl-terneuzen")
                seconds = _pipeline(verifier, database, party, terms, sent, overlapped=overlapped)
                database.close()
                results[f"{name}_us_per_entry"] = seconds / n * 1e6
    finally:
        ours_worker.close()
        base_worker.close()
    results["sync_speedup_vs_per_entry_verify"] = (
        results["verify_baseline_us_per_entry"] / results["verify_pipeline_us_per_entry"]
    )
    results["sync_speedup_inline"] = (
        results["verify_inline_baseline_us_per_entry"] / results["verify_inline_us_per_entry"]
    )
    return results
