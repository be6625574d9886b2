"""Domain values the contract tests store, made the way the services make them.

The store under test belongs to be-gent (NODE); nl-terneuzen and nl-rotterdam are its
partners. Every time is aware UTC at whole milliseconds, as the node's clock gives it
(gateway.domain.times rule 1), so a round trip through any backend must return it equal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from gateway.domain import merkle
from gateway.domain.envelope import Envelope, sign
from gateway.domain.feed import CHECKPOINT_PAYLOAD, Checkpoint, Kept, ReceivedBatch
from gateway.domain.hits import ObservedHit
from gateway.domain.hotlist import Action, HotlistEntry
from gateway.domain.identity import NodeSigningKey
from gateway.domain.plates import Plate
from gateway.wire import feed_codec

NODE = "be-gent"
PARTNER = "nl-terneuzen"
OTHER_PARTNER = "nl-rotterdam"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

NODE_KEY = NodeSigningKey(bytes(range(32)))
PARTNER_KEY = NodeSigningKey(bytes(range(1, 33)))


def entry_id(n: int) -> str:
    """The n-th entry id: UUIDv7-shaped, so ids sort in the order they were made."""
    return f"0195f3c2-7a10-7000-8000-{n:012x}"


def hit_id(n: int) -> str:
    return f"0195f3c2-7a10-7000-9000-{n:012x}"


def own_entry(n: int, **changes: object) -> HotlistEntry:
    """An entry of this node's own hotlist, valid from START for thirty days."""
    entry = HotlistEntry(
        entry_id=entry_id(n),
        owner=NODE,
        plate=Plate("1ABC123", "BE", "1-ABC-123"),
        category="stolen_vehicle",
        action=Action.DISCREET_CHECK,
        flags=("suspected_clone",),
        valid_from=START,
        expires_at=START + timedelta(days=30),
        vehicle_description="grey estate",
        contact="desk@example.invalid",
        case_reference="PV-2026-0042",
    )
    return dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def observed_hit(n: int, **changes: object) -> ObservedHit:
    """A hit of this node's cameras on a partner's entry, kept for 28 days."""
    hit = ObservedHit(
        hit_id=hit_id(n),
        observed_at=START,
        camera="cam-1",
        site="site-1",
        zone="zone-north",
        direction="in",
        image_ref="img/0001.jpg",
        plate="1ABC123",
        country="BE",
        country_inferred=False,
        match="exact",
        matched="1ABC123",
        entry_owner=PARTNER,
        entry_id=entry_id(n),
        entry_version=1,
        agreement_id="agr-1",
        agreement_version=1,
        category="stolen_vehicle",
        action="discreet_check",
        flags=("suspected_clone",),
        owner_notified=True,
        expires_at=START + timedelta(days=28),
    )
    return dataclasses.replace(hit, **changes)  # type: ignore[arg-type]


# -- received batches ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Upsert:
    """One upsert of a partner's feed as the recipient keeps it: a plaintext plate
    (plaintext matching) or a token (token matching), and its exact leaf bytes."""

    entry_id: str
    leaf: bytes
    plate: str | None = "1ABC123"
    country: str | None = "BE"
    token: bytes | None = None
    category: str = "stolen_vehicle"
    expires_at_s: int = int((START + timedelta(days=30)).timestamp())


@dataclasses.dataclass(frozen=True)
class Tombstone:
    entry_id: str


Change = Upsert | Tombstone


def received_batch(
    agreement_id: str, from_seq: int, changes: Sequence[Change], *, version: int = 1
) -> tuple[ReceivedBatch, Envelope]:
    """A verified batch of `changes` at seqs from_seq+1.., and its signed checkpoint."""
    leaves = tuple(
        c.leaf if isinstance(c, Upsert) else b"tombstone:" + c.entry_id.encode() for c in changes
    )
    hashes = tuple(merkle.leaf_hashes(leaves))
    checkpoint = Checkpoint(
        agreement_id=agreement_id,
        agreement_version=version,
        provider=PARTNER,
        recipient=NODE,
        from_seq=from_seq,
        to_seq=from_seq + len(changes),
        leaf_count=len(leaves),
        merkle_root=merkle.root_from_hashes(hashes),
    )
    ups = [c if isinstance(c, Upsert) else None for c in changes]
    kept = Kept(
        entry_ids=tuple(c.entry_id for c in changes),
        categories=tuple(u.category if u else None for u in ups),
        plate_tokens=tuple(u.token if u else None for u in ups),
        plates=tuple(u.plate if u else None for u in ups),
        countries=tuple(u.country if u else None for u in ups),
        expires_at_s=tuple(u.expires_at_s if u else 0 for u in ups),
    )
    envelope = sign(CHECKPOINT_PAYLOAD, feed_codec.checkpoint_payload(checkpoint), PARTNER_KEY)
    return ReceivedBatch(checkpoint, kept, leaves, hashes), envelope


def live_digest(leaves: Sequence[bytes]) -> int:
    """The set digest of a live set, computed from scratch."""
    return merkle.set_digest_update(
        merkle.SET_DIGEST_EMPTY, [merkle.leaf_hash(leaf) for leaf in leaves]
    )
