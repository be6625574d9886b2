"""RFC 6962 Merkle tree hashes, inclusion proofs, and an incremental set digest.

A provider signs one checkpoint per batch of hotlist changes instead of one
signature per change. The checkpoint carries the Merkle Tree Hash (MTH) of the
batch's leaves, each leaf being the exact serialized bytes of one change, so the
recipient recomputes the root from what it received and verifies one signature;
later, any stored change is still provable on its own with an inclusion proof
against its stored checkpoint.

Hashing follows RFC 6962 section 2.1 exactly (SHA-256, 0x00 prefix for leaves,
0x01 for interior nodes, split at the largest power of two smaller than n), so
roots and proofs agree with every other Certificate Transparency implementation.

What each function guarantees:

- ``leaf_hash(leaf)`` is SHA-256(0x00 || leaf); ``node_hash(l, r)`` is
  SHA-256(0x01 || l || r). The distinct prefixes make a leaf hash never equal an
  interior node hash unless SHA-256 collides (no second-preimage by "pretending a
  node is a leaf").
- ``EMPTY_ROOT`` is SHA-256 of the empty string, RFC 6962's MTH({}).
- ``leaf_hashes(leaves)`` returns ``[leaf_hash(x) for x in leaves]``, in order.
- ``root_from_hashes(hashes)`` returns MTH of the leaves whose leaf hashes are
  ``hashes``, equal to RFC 6962's recursive definition for every n, including
  ``EMPTY_ROOT`` for n = 0.
- ``merkle_root(leaves)`` is ``root_from_hashes(leaf_hashes(leaves))``.
- ``inclusion_proof(hashes, m)`` returns RFC 6962 section 2.1.1 PATH(m, D[n]):
  the sibling hashes from the leaf level upwards. Raises ``IndexError`` when
  ``m`` is not in ``0..n-1``.
- ``verify_inclusion(leaf, m, n, proof, root)`` is the RFC 9162 section 2.1.3.2
  algorithm. It returns True only if ``proof`` proves ``leaf`` is at index ``m``
  of a tree of size ``n`` with root ``root``; on a bad proof, index, size or
  root it returns False and never raises. ``n`` and ``root`` must both come from
  the signed checkpoint (a proof does not by itself pin the size).
- ``set_digest_add`` / ``set_digest_remove`` / ``set_digest_update`` /
  ``set_digest_hex``: an additive multiset hash of the current set of live entries,
  see ``set_digest_add``.

Pure: standard library ``hashlib`` only, no I/O, no state.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256
from typing import Final

# Bound once at import: the hot loops below look up one name instead of an
# attribute of the hashlib module per hash, which matters at a million leaves.
_sha256 = sha256

_LEAF_PREFIX: Final[bytes] = b"\x00"
_NODE_PREFIX: Final[bytes] = b"\x01"
_HASH_SIZE: Final[int] = 32

EMPTY_ROOT: Final[bytes] = sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf), RFC 6962 section 2.1."""
    return _sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), RFC 6962 section 2.1."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def leaf_hashes(leaves: Sequence[bytes]) -> list[bytes]:
    """The leaf hash of every leaf, in order."""
    # One comprehension rather than a call to leaf_hash per leaf: a Python-level
    # function call per leaf costs about as much as the hash itself. The prefix is
    # a literal (a constant load) rather than _LEAF_PREFIX (a global lookup).
    return [_sha256(b"\x00" + leaf).digest() for leaf in leaves]


def _next_level(level: list[bytes]) -> list[bytes]:
    """Hash adjacent pairs; an odd last node is promoted to the next level unchanged.

    Promotion (rather than pairing the last node with itself, as Bitcoin does) is
    what makes the level-by-level tree the same tree as RFC 6962's recursive one:
    the RFC puts the first k leaves (k the largest power of two < n) into a perfect
    left subtree, whose nodes at every level are exactly the aligned pairs paired
    here, and whatever is left over on the right edge gets no sibling until the
    level where its (smaller) subtree is complete, which is what promotion does.
    """
    # zip(it, it) walks the list in pairs without index arithmetic or slices;
    # strict=False on purpose: the unpaired last node is dropped here and
    # promoted just below.
    it = iter(level)
    nxt = [_sha256(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
    if len(level) & 1:
        nxt.append(level[-1])
    return nxt


def root_from_hashes(hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 MTH of the leaves whose leaf hashes are ``hashes``."""
    if not hashes:
        return EMPTY_ROOT
    # Iterative rather than recursive: no Python call per node, and no stack
    # depth concerns; about n interior hashes in log2(n) passes.
    level = list(hashes)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 MTH of ``leaves`` (each the exact serialized bytes of one entry)."""
    return root_from_hashes(leaf_hashes(leaves))


def inclusion_proof(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 section 2.1.1 audit path PATH(index, D[n]), from the leaf hashes.

    The path lists sibling hashes from the leaf level upwards. At a level where
    the node on the path is the promoted odd last node it has no sibling, so that
    level contributes nothing, exactly as in the RFC's recursive definition.
    """
    n = len(hashes)
    if not 0 <= index < n:
        raise IndexError(f"leaf index {index} outside a tree of {n} leaves")
    path: list[bytes] = []
    level = list(hashes)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        level = _next_level(level)
        index >>= 1
    return path


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` shows ``leaf`` at ``index`` in the tree of ``tree_size`` with ``root``.

    RFC 9162 section 2.1.3.2. Never raises for a malformed proof, index, size or
    root: the inputs come from a partner or from storage, and a verifier that can
    be made to throw is one more way to skip a check.

    ``tree_size`` and ``root`` must both come from the signed checkpoint. As with
    every RFC 9162 inclusion proof, the path alone does not pin the size: a size
    giving the same path shape also verifies (leaf 0 of a 3-leaf tree has the same
    path as in a 4-leaf tree); only sizes whose path shape differs are rejected.
    """
    if not (isinstance(index, int) and isinstance(tree_size, int)):
        return False
    if not 0 <= index < tree_size:
        return False
    if not isinstance(root, bytes | bytearray):
        return False
    # fn: the index of the node on the path within its level; sn: the index of
    # the last node of that level. Their bits tell, level by level, whether the
    # proof element is a left sibling, a right sibling, or (fn == sn with fn even)
    # a level where the path node was promoted and the RFC 6962 path skips it.
    fn = index
    sn = tree_size - 1
    r = leaf_hash(leaf)
    for p in proof:
        # Every real node is a 32-byte SHA-256 output; anything else cannot be
        # part of a valid path, and rejecting it here keeps + from raising.
        if sn == 0 or not isinstance(p, bytes | bytearray) or len(p) != _HASH_SIZE:
            return False
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            # Climb past the levels where this node was promoted with no right
            # sibling (no-op when fn is odd, i.e. p was a left sibling).
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    # sn == 0 rejects a truncated proof (we have not reached the root); a proof
    # with extra elements was already rejected above. Plain equality is fine:
    # roots are public, there is no secret to leak through timing.
    return sn == 0 and r == root


# --- Set digest -------------------------------------------------------------

# Versioned domain tag so a set-digest term can never be confused with a Merkle
# leaf or node hash of the same bytes, and a future scheme (v2) cannot collide.
_SET_TAG: Final[bytes] = b"argos-set-v1"
_SET_MODULUS: Final[int] = 1 << 256

SET_DIGEST_EMPTY: Final[int] = 0


def _set_term(leaf_hash: bytes) -> int:
    if len(leaf_hash) != _HASH_SIZE:
        # Catches passing the raw leaf instead of its leaf hash, which would give
        # a digest that silently never matches the partner's.
        raise ValueError(f"set digest takes a {_HASH_SIZE}-byte leaf hash, got {len(leaf_hash)}")
    return int.from_bytes(_sha256(_SET_TAG + leaf_hash).digest(), "big")


def set_digest_add(digest: int, leaf_hash: bytes) -> int:
    """Digest of the live set after adding the entry with ``leaf_hash``.

    (digest + int(SHA-256("argos-set-v1" || leaf_hash))) mod 2**256. Addition is
    commutative and invertible, so the digest depends only on the multiset of live
    entries, not on the order of changes, and costs O(1) per change; two nodes
    compare their whole sets by comparing one number. Adding an entry twice is
    not the same as adding it once, so duplicated changes show.

    What it is for: detecting accidental divergence between provider and
    recipient (lost or duplicated changes, crashes mid-batch, bugs). What it is
    NOT: collision-resistant against someone who chooses the elements. Additive
    multiset hashes fall to generalised birthday attacks (Wagner), so a party free
    to pick many entries can craft two different sets with equal digests. That is
    acceptable here only because every element is already signed by the provider,
    who could sign any set it likes anyway; nobody else can introduce elements.
    Do not reuse this digest where the elements are attacker-chosen.
    """
    return (digest + _set_term(leaf_hash)) % _SET_MODULUS


def set_digest_remove(digest: int, leaf_hash: bytes) -> int:
    """Digest of the live set after removing the entry with ``leaf_hash``.

    Exact inverse of ``set_digest_add``; same guarantees and same limits.
    """
    return (digest - _set_term(leaf_hash)) % _SET_MODULUS


def set_digest_update(digest: int, added: Sequence[bytes], removed: Sequence[bytes] = ()) -> int:
    """``set_digest_add`` of every hash in ``added`` and ``set_digest_remove`` of every
    hash in ``removed``, in one step: the sum commutes, so a batch reduces once."""
    total = digest
    for h in added:
        total += _set_term(h)
    for h in removed:
        total -= _set_term(h)
    return total % _SET_MODULUS


def set_digest_hex(digest: int) -> str:
    """The digest as exactly 64 lowercase hex characters (big-endian)."""
    if not 0 <= digest < _SET_MODULUS:
        # A value outside the range did not come from the functions above.
        raise ValueError("set digest out of range [0, 2**256)")
    return format(digest, "064x")
