"""A node's chain of Ed25519 signing keys, modelled on TUF root rotation and Sigstore's
trusted-root validity windows. Pure: takes envelopes, decoded statements and times,
returns a new chain or raises a precise error.

Rules enforced here:
1. A chain starts at one key (sequence 0, or a key an administrator registered after an
   out-of-band check: sequence unknown). Its head is the newest trusted key.
2. A rotation statement (node, sequence, new key, valid_from, overlap end, hash of the
   previous statement) extends the chain only if its sequence is the head's plus one,
   its previous hash is the head's statement hash (the genesis hash for sequence 0), and
   it is signed by exactly the head key and the new key. A head registered by an
   administrator has no hash to compare: the first statement signed by it anchors the
   sequence from then on. A statement that skips a sequence waits (KeyChainGap): the
   sender's outbox retries it after the missing one.
3. A second statement for a sequence already held, or one signed by an older key of the
   chain, is a fork (KeyChainFork): never applied automatically. The same statement
   again is a duplicate and changes nothing. A statement signed by a revoked key is
   refused outright (KeyNotAccepted): the thief holds that key.
4. For NEW messages a key is accepted from valid_from (minus SKEW) until its acceptance
   end, never at or after its revoked_since, and never while it is pending (a key that
   came with a revocation or a fork waits for the administrator's fingerprint check).
5. For STORED history every key the chain ever held verifies what it signed: the
   envelope names the key id, and the chain only says whether that key may sign now.
6. A revocation only takes trust away: it is applied at once. Keys that the revoked key
   introduced after `since` are revoked too (a thief holding the key may have rotated
   to a key of its own).
Lookups go through a dict by key id built once per chain, never a walk per envelope.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from gateway.domain import envelope as env
from gateway.domain.errors import (
    InvalidInput,
    KeyChainFork,
    KeyChainGap,
    KeyNotAccepted,
    SignatureInvalid,
)
from gateway.domain.identity import PublicNodeKey
from gateway.domain.times import time_text

ROTATION_PAYLOAD = "application/vnd.argos.signing-key-rotation.v1+protobuf"
REVOCATION_PAYLOAD = "application/vnd.argos.signing-key-revocation.v1+protobuf"
# Clocks of two ports differ a little: a key is taken this much before its valid_from.
SKEW = timedelta(minutes=5)


def genesis_hash(node_id: str, first_key: PublicNodeKey) -> str:
    """The implied statement before sequence 0 (rule 1)."""
    return hashlib.sha256(
        f"argos-keychain-genesis-v1\n{node_id}\n{first_key.key_id}".encode()
    ).hexdigest()


def statement_hash(payload: bytes) -> str:
    """What the next statement names as its previous one: SHA-256 of the signed bytes."""
    return hashlib.sha256(payload).hexdigest()


def key_fingerprint(key: PublicNodeKey) -> str:
    """What two administrators read to each other on the phone."""
    return env.payload_fingerprint(key.raw)


@dataclass(frozen=True)
class RotationStatement:
    node_id: str
    sequence: int
    public_key: PublicNodeKey
    valid_from: datetime
    overlap_end: datetime  # the previous key is accepted for new messages until then
    previous_hash: str


@dataclass(frozen=True)
class RevocationStatement:
    node_id: str
    key_id: str
    since: datetime


@dataclass(frozen=True)
class ChainKey:
    key: PublicNodeKey
    sequence: int | None  # None: registered by an administrator (rule 1)
    valid_from: datetime
    accept_until: datetime | None = None
    revoked_since: datetime | None = None
    pending: bool = False
    statement_hash: str = ""  # of the statement that introduced it; "" for a first key
    introduced_by: str = ""  # key id that signed that statement with it
    received_at: datetime | None = None

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def state(self, now: datetime) -> str:
        """In words, for `argos partner keys show` and `argos keys list`."""
        if self.revoked_since is not None and now >= self.revoked_since:
            return "revoked"
        if self.pending:
            return "pending"
        if self.accept_until is not None and now >= self.accept_until:
            return "retired"
        if self.accept_until is not None:
            return "overlap"
        return "current"


@dataclass(frozen=True)
class KeyChain:
    node_id: str
    keys: tuple[ChainKey, ...]  # in the order trusted: the head is the last trusted one
    _by_id: dict[str, ChainKey] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError(f"the key chain of {self.node_id} holds no key")
        self._by_id.update({k.key_id: k for k in self.keys})

    @classmethod
    def starting_at(
        cls, node_id: str, key: PublicNodeKey, valid_from: datetime, *, sequence: int | None = 0
    ) -> KeyChain:
        return cls(node_id, (ChainKey(key, sequence, valid_from),))

    def get(self, key_id: str) -> ChainKey | None:
        return self._by_id.get(key_id)

    @property
    def head(self) -> ChainKey:
        """The newest key that is neither pending nor revoked (rule 1); if every key is
        revoked, the newest non-pending one, so a chain never loses its head."""
        trusted = [k for k in self.keys if not k.pending]
        live = [k for k in trusted if k.revoked_since is None]
        return (live or trusted or list(self.keys))[-1]

    @property
    def head_hash(self) -> str:
        head = self.head
        if head.statement_hash:
            return head.statement_hash
        return genesis_hash(self.node_id, head.key)

    @property
    def public_keys(self) -> tuple[PublicNodeKey, ...]:
        """Every key, for stored history (rule 5)."""
        return tuple(k.key for k in self.keys)

    def _with(self, keys: Iterable[ChainKey]) -> KeyChain:
        return KeyChain(self.node_id, tuple(keys))

    # -- rule 4: who may sign a new message ------------------------------------------------

    def check_new(self, key_ids: Iterable[str], now: datetime) -> None:
        """Raise KeyNotAccepted if any of these (known) keys may not sign a new message
        at `now`. Unknown key ids are left to envelope.verify, which names them."""
        for key_id in key_ids:
            k = self._by_id.get(key_id)
            if k is None:
                continue
            who = f"signing key {key_id} of {self.node_id}"
            if k.revoked_since is not None and now >= k.revoked_since:
                raise KeyNotAccepted(
                    f"{who} is revoked since {time_text(k.revoked_since)}: nothing it signs "
                    "from then on is accepted"
                )
            if k.pending:
                raise KeyNotAccepted(
                    f"{who} awaits confirmation: this node's administrator must check its "
                    f"fingerprint {key_fingerprint(k.key)} with {self.node_id} out of band "
                    "(argos partner keys confirm)"
                )
            if k.accept_until is not None and now >= k.accept_until:
                raise KeyNotAccepted(
                    f"{who} was accepted for new messages until {time_text(k.accept_until)}; "
                    "it was rotated away and verifies stored history only"
                )
            if now < k.valid_from - SKEW:
                raise KeyNotAccepted(f"{who} is valid only from {time_text(k.valid_from)}")

    # -- rules 2 and 3: rotation -----------------------------------------------------------

    def extend(
        self,
        statement_env: env.Envelope,
        decode: Callable[[bytes], RotationStatement],
        now: datetime,
    ) -> tuple[KeyChain, bool]:
        """The chain with the statement's key appended as the new head; (chain, False)
        for a duplicate of a statement already held. Raises KeyChainFork (rule 3),
        SignatureInvalid or InvalidInput."""
        statement, signer = self._verified(statement_env, decode)
        held = self._by_id.get(statement.public_key.key_id)
        digest = statement_hash(statement_env.payload)
        if held is not None and held.statement_hash == digest:
            return self, False  # rule 3: the same statement again
        head = self.head
        signed_by = self._by_id[signer]
        if signed_by.revoked_since is not None and now >= signed_by.revoked_since:
            # Whoever stole the key may rotate with it: never trusted, not even pending.
            raise KeyNotAccepted(
                f"rotation statement {statement.sequence} of {self.node_id} is signed by "
                f"signing key {signer}, revoked since {time_text(signed_by.revoked_since)}"
            )
        if held is not None:
            raise KeyChainFork(
                f"{self.node_id} announces key {held.key_id} again in another statement"
            )
        if signer != head.key_id:
            raise KeyChainFork(
                f"rotation statement {statement.sequence} of {self.node_id} is signed by "
                f"{signer}, not by the chain's current key {head.key_id}"
            )
        if head.sequence is not None:
            if statement.sequence <= head.sequence:
                raise KeyChainFork(
                    f"{self.node_id} already holds sequence {statement.sequence} of its key "
                    "chain: a second statement for it is a fork"
                )
            if statement.sequence != head.sequence + 1:
                raise KeyChainGap(
                    f"rotation statement {statement.sequence} of {self.node_id} skips "
                    f"sequence {head.sequence + 1}"
                )
            if statement.previous_hash != self.head_hash:
                raise KeyChainFork(
                    f"rotation statement {statement.sequence} of {self.node_id} names "
                    "another previous statement than the one held: a fork"
                )
        if statement.overlap_end < statement.valid_from:
            raise InvalidInput("a rotation's overlap ends before the new key is valid")
        new = ChainKey(
            statement.public_key,
            statement.sequence,
            statement.valid_from,
            statement_hash=digest,
            introduced_by=signer,
            received_at=now,
        )
        keys = [
            replace(k, accept_until=_earliest(k.accept_until, statement.overlap_end))
            if k.key_id == head.key_id
            else k
            for k in self.keys
        ]
        return self._with([*keys, new]), True

    def next_rotation(
        self, new_key: PublicNodeKey, valid_from: datetime, overlap_end: datetime
    ) -> RotationStatement:
        """The statement that extends this chain by `new_key` (rule 2), to be signed by
        the head key and the new key."""
        head = self.head
        return RotationStatement(
            self.node_id,
            (head.sequence or 0) + 1,
            new_key,
            valid_from,
            overlap_end,
            self.head_hash,
        )

    def with_pending(
        self,
        statement_env: env.Envelope,
        decode: Callable[[bytes], RotationStatement],
        now: datetime,
    ) -> KeyChain:
        """A statement that may not extend the chain by itself (it came with a
        revocation, or forks): its key is held pending the administrator's check.
        It must still be signed by a key of this chain and by the new key."""
        statement, signer = self._verified(statement_env, decode)
        if statement.public_key.key_id in self._by_id:
            return self
        new = ChainKey(
            statement.public_key,
            statement.sequence,
            statement.valid_from,
            pending=True,
            statement_hash=statement_hash(statement_env.payload),
            introduced_by=signer,
            received_at=now,
        )
        return self._with([*self.keys, new])

    def _verified(
        self, statement_env: env.Envelope, decode: Callable[[bytes], RotationStatement]
    ) -> tuple[RotationStatement, str]:
        """The statement, and the chain key that signed it beside the new key."""
        if statement_env.payload_type != ROTATION_PAYLOAD:
            raise InvalidInput("not a signing-key rotation statement")
        statement = decode(statement_env.payload)
        if statement.node_id != self.node_id:
            raise InvalidInput(
                f"a rotation statement of {statement.node_id} came as one of {self.node_id}"
            )
        new_id = statement.public_key.key_id
        chain_signers = [s.key_id for s in statement_env.signatures if s.key_id != new_id]
        if len(chain_signers) != 1 or self._by_id.get(chain_signers[0]) is None:
            raise SignatureInvalid(
                f"a rotation statement of {self.node_id} must be signed by its current key "
                "and by the new key, and by no other"
            )
        signer = chain_signers[0]
        env.verify(
            statement_env,
            payload_type=ROTATION_PAYLOAD,
            signers={
                f"{self.node_id} (chain key)": self._by_id[signer].key,
                f"{self.node_id} (new key)": statement.public_key,
            },
        )
        return statement, signer

    # -- rule 6: revocation ----------------------------------------------------------------

    def revoke(self, key_id: str, since: datetime, *, replacement: str = "") -> KeyChain:
        """Key `key_id` revoked since `since` (the earlier time wins when revoked twice),
        and every trusted key it introduced that arrived at or after `since`, except its
        `replacement` (the owner's own new key). A pending key is left for the
        administrator: it is trusted only once its fingerprint is confirmed."""
        if key_id not in self._by_id:
            raise InvalidInput(f"{self.node_id} holds no signing key {key_id}")
        revoked = {key_id}
        keys = []
        for k in self.keys:
            introduced_late = (
                k.introduced_by in revoked
                and not k.pending
                and k.key_id != replacement
                and k.received_at is not None
                and k.received_at >= since
            )
            if k.key_id in revoked or introduced_late:
                revoked.add(k.key_id)
                when = since if k.key_id == key_id else (k.received_at or since)
                k = replace(k, revoked_since=_earliest(k.revoked_since, when))
            keys.append(k)
        return self._with(keys)

    # -- an administrator's own decisions (after an out-of-band check) ----------------------

    def confirm(self, fingerprint: str) -> tuple[KeyChain, ChainKey]:
        """The pending key with this fingerprint, trusted and made the head."""
        wanted = fingerprint.strip().upper()
        for k in self.keys:
            if k.pending and key_fingerprint(k.key) == wanted:
                trusted = replace(k, pending=False)
                rest = [x for x in self.keys if x.key_id != k.key_id]
                return self._with([*rest, trusted]), trusted
        pending = [key_fingerprint(k.key) for k in self.keys if k.pending]
        raise InvalidInput(
            f"no pending key of {self.node_id} has fingerprint {wanted}"
            + (f" (pending: {', '.join(pending)})" if pending else " (none is pending)")
        )

    def with_registered(self, key: PublicNodeKey, now: datetime) -> KeyChain:
        """A key the administrator registered in place: the new head, sequence unknown."""
        if key.key_id in self._by_id:
            raise InvalidInput(f"{self.node_id} already holds key {key.key_id}")
        return self._with([*self.keys, ChainKey(key, None, now, received_at=now)])

    def retire(self, key_id: str, now: datetime) -> KeyChain:
        """Key `key_id` no longer signs new messages; it still verifies history."""
        k = self._by_id.get(key_id)
        if k is None:
            raise InvalidInput(f"{self.node_id} holds no signing key {key_id}")
        others = [x for x in self.keys if x.key_id != key_id and not x.pending]
        if not any(x.revoked_since is None and x.accept_until is None for x in others):
            raise InvalidInput(
                f"{key_id} is the only key {self.node_id} signs with: add its new key first"
            )
        retired = replace(k, accept_until=_earliest(k.accept_until, now))
        return self._with([retired if x.key_id == key_id else x for x in self.keys])


def _earliest(held: datetime | None, new: datetime) -> datetime:
    return new if held is None else min(held, new)
