"""Specification of the RFC 6962 Merkle tree, its inclusion proofs, and the set digest."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.merkle import (
    EMPTY_ROOT,
    SET_DIGEST_EMPTY,
    inclusion_proof,
    leaf_hash,
    leaf_hashes,
    merkle_root,
    node_hash,
    root_from_hashes,
    set_digest_add,
    set_digest_hex,
    set_digest_remove,
    set_digest_update,
    verify_inclusion,
)

# --- An independent, deliberately naive RFC 6962 reference -------------------
# Written straight from RFC 6962 section 2.1 with hashlib, sharing no code with the
# module under test, so agreement means the fast iterative version is the RFC's.


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _largest_power_of_two_below(n)
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_path_sides(m: int, n: int) -> list[str]:
    """Which side each RFC path element sits on, leaf level first."""
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        return [*ref_path_sides(m, k), "right"]
    return [*ref_path_sides(m - k, n - k), "left"]


def make_leaves(n: int) -> list[bytes]:
    # Distinct, varied lengths (including empty) so no two leaves hash alike.
    return [bytes([i % 256, i // 256]) * (i % 5) + i.to_bytes(4, "big") for i in range(n)]


# Published RFC 6962 test vectors (Certificate Transparency; transparency-dev/merkle
# testonly/constants.go), used as data: leaves, and the root for each size 0..8.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    0: [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    5: [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


# --- Roots --------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 71))
def test_root_equals_the_recursive_rfc6962_reference_for_every_size_1_to_70(n):
    leaves = make_leaves(n)
    assert merkle_root(leaves) == ref_mth(leaves)
    assert root_from_hashes(leaf_hashes(leaves)) == ref_mth(leaves)


def test_empty_tree_root_is_sha256_of_the_empty_string():
    expected = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert EMPTY_ROOT == expected
    assert merkle_root([]) == expected
    assert root_from_hashes([]) == expected


def test_one_leaf_tree_root_is_the_leaf_hash_with_the_0x00_prefix():
    # Known answer: MTH of the single empty leaf is SHA-256(0x00).
    expected = bytes.fromhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert merkle_root([b""]) == expected
    assert leaf_hash(b"") == expected
    assert merkle_root([b"change"]) == hashlib.sha256(b"\x00change").digest()


def test_roots_match_the_published_rfc6962_vectors_for_sizes_0_to_8():
    for n, expected in enumerate(CT_ROOTS):
        assert merkle_root(CT_LEAVES[:n]).hex() == expected, f"size {n}"


def test_leaf_and_interior_hashes_use_distinct_rfc6962_prefixes():
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert a == hashlib.sha256(b"\x00a").digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # A two-leaf root is not the leaf hash of the concatenated children.
    assert merkle_root([b"a", b"b"]) != leaf_hash(a + b)


def test_leaf_hashes_are_in_leaf_order():
    leaves = make_leaves(9)
    assert leaf_hashes(leaves) == [leaf_hash(x) for x in leaves]
    assert leaf_hashes([]) == []


def test_root_over_ten_thousand_leaves_equals_root_from_leaf_hashes():
    # Functional check at batch-benchmark scale; deliberately no timing assertion.
    leaves = [i.to_bytes(8, "big") * 15 for i in range(10_000)]
    root = merkle_root(leaves)
    assert len(root) == 32
    assert root == root_from_hashes(leaf_hashes(leaves))
    assert root != merkle_root(leaves[:-1])


# --- Inclusion proofs ---------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 34))
def test_inclusion_proof_is_the_rfc6962_path_and_verifies_for_every_index(n):
    leaves = make_leaves(n)
    hashes = leaf_hashes(leaves)
    root = merkle_root(leaves)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        assert proof == ref_path(m, leaves), f"index {m}"
        assert verify_inclusion(leaves[m], m, n, proof, root), f"index {m}"


def test_inclusion_proofs_match_the_published_rfc6962_vectors():
    hashes = leaf_hashes(CT_LEAVES)
    root = bytes.fromhex(CT_ROOTS[8])
    for m, expected in CT_INCLUSION.items():
        proof = inclusion_proof(hashes, m)
        assert [p.hex() for p in proof] == expected
        assert verify_inclusion(CT_LEAVES[m], m, 8, proof, root)


def test_one_leaf_tree_has_an_empty_proof():
    assert inclusion_proof([leaf_hash(b"x")], 0) == []
    assert verify_inclusion(b"x", 0, 1, [], merkle_root([b"x"]))


@pytest.mark.parametrize("bad_index", [-1, 5, 6, 100])
def test_inclusion_proof_refuses_an_index_outside_the_tree(bad_index):
    with pytest.raises(IndexError):
        inclusion_proof(leaf_hashes(make_leaves(5)), bad_index)


def _tree(n: int) -> tuple[list[bytes], list[bytes], bytes]:
    leaves = make_leaves(n)
    hashes = leaf_hashes(leaves)
    return leaves, hashes, root_from_hashes(hashes)


@pytest.mark.parametrize("n", range(1, 34))
def test_proof_fails_when_any_byte_of_the_leaf_is_flipped(n):
    leaves, hashes, root = _tree(n)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        leaf = leaves[m]
        for i in range(len(leaf)):
            flipped = leaf[:i] + bytes([leaf[i] ^ 0x01]) + leaf[i + 1 :]
            assert not verify_inclusion(flipped, m, n, proof, root)
        assert not verify_inclusion(leaf + b"\x00", m, n, proof, root)


@pytest.mark.parametrize("n", range(1, 34))
def test_proof_fails_at_any_other_index(n):
    leaves, hashes, root = _tree(n)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        for other in (-1, *range(n + 2)):
            if other != m:
                assert not verify_inclusion(leaves[m], other, n, proof, root), (m, other)


@pytest.mark.parametrize("n", range(1, 34))
def test_proof_fails_at_any_other_tree_size_whose_path_shape_differs(n):
    leaves, hashes, root = _tree(n)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        assert not verify_inclusion(leaves[m], m, 0, proof, root)
        assert not verify_inclusion(leaves[m], m, -n, proof, root)
        for other in range(1, 41):
            if other == n:
                continue
            same_shape = other > m and ref_path_sides(m, other) == ref_path_sides(m, n)
            assert verify_inclusion(leaves[m], m, other, proof, root) == same_shape, (m, other)


def test_tree_size_is_authenticated_by_the_signed_checkpoint_not_by_the_proof():
    # Documented limit of every RFC 9162 inclusion proof: leaf 0 has the same path
    # shape in trees of 3 and 4 leaves, so the size must come from the checkpoint.
    leaves, hashes, root = _tree(3)
    proof = inclusion_proof(hashes, 0)
    assert verify_inclusion(leaves[0], 0, 4, proof, root)
    assert not verify_inclusion(leaves[0], 0, 5, proof, root)


@pytest.mark.parametrize("n", range(2, 34))
def test_proof_fails_when_truncated_or_extended(n):
    leaves, hashes, root = _tree(n)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        for cut in range(len(proof)):
            assert not verify_inclusion(leaves[m], m, n, proof[:cut], root)
        assert not verify_inclusion(leaves[m], m, n, [*proof, proof[-1]], root)
        assert not verify_inclusion(leaves[m], m, n, [*proof, root], root)


@pytest.mark.parametrize("n", range(1, 34))
def test_proof_fails_against_a_different_root(n):
    leaves, hashes, root = _tree(n)
    other_roots = [
        bytes([root[0] ^ 0x80]) + root[1:],
        root[:-1],
        EMPTY_ROOT,
        merkle_root(make_leaves(n + 1)),
    ]
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        for other in other_roots:
            assert not verify_inclusion(leaves[m], m, n, proof, other)


@pytest.mark.parametrize("n", range(2, 34))
def test_proof_fails_when_any_proof_element_is_altered(n):
    leaves, hashes, root = _tree(n)
    for m in range(n):
        proof = inclusion_proof(hashes, m)
        for i, p in enumerate(proof):
            altered = [*proof]
            altered[i] = bytes([p[0] ^ 0x01]) + p[1:]
            assert not verify_inclusion(leaves[m], m, n, altered, root)
        if len(proof) > 1:
            assert not verify_inclusion(leaves[m], m, n, proof[::-1], root)


@pytest.mark.parametrize(
    ("index", "size", "proof", "root"),
    [
        (0, 2, ["not bytes"], b"\x00" * 32),
        (0, 2, [None], b"\x00" * 32),
        (0, 2, [b"\x00" * 31], b"\x00" * 32),
        (0, 2, [b"\x00" * 33], b"\x00" * 32),
        (0, 2, [b"\x00" * 32], "not bytes"),
        (0, 2, [b"\x00" * 32], None),
        (0.0, 2, [b"\x00" * 32], b"\x00" * 32),
        (0, 2.0, [b"\x00" * 32], b"\x00" * 32),
        (None, 2, [b"\x00" * 32], b"\x00" * 32),
        (0, 0, [], EMPTY_ROOT),
        (-1, 1, [], b"\x00" * 32),
        (3, 2, [b"\x00" * 32], b"\x00" * 32),
    ],
)
def test_verification_returns_false_rather_than_raising_on_malformed_input(
    index, size, proof, root
):
    assert verify_inclusion(b"leaf", index, size, proof, root) is False


@given(
    leaves=st.lists(st.binary(max_size=48), min_size=1, max_size=200),
    data=st.data(),
)
def test_any_leaf_proof_verifies_and_any_single_byte_change_of_the_leaf_breaks_it(leaves, data):
    n = len(leaves)
    m = data.draw(st.integers(0, n - 1), label="index")
    hashes = leaf_hashes(leaves)
    root = root_from_hashes(hashes)
    proof = inclusion_proof(hashes, m)
    assert verify_inclusion(leaves[m], m, n, proof, root)

    leaf = leaves[m]
    delta = data.draw(st.integers(1, 255), label="xor")
    if leaf:
        i = data.draw(st.integers(0, len(leaf) - 1), label="position")
        changed = leaf[:i] + bytes([leaf[i] ^ delta]) + leaf[i + 1 :]
    else:
        changed = bytes([delta])
    assert not verify_inclusion(changed, m, n, proof, root)


# --- Set digest -----------------------------------------------------------------

hash_sets = st.lists(st.binary(max_size=16), unique=True, max_size=30).map(
    lambda xs: [leaf_hash(x) for x in xs]
)


def digest_of(hashes: list[bytes]) -> int:
    d = SET_DIGEST_EMPTY
    for h in hashes:
        d = set_digest_add(d, h)
    return d


@given(data=st.data(), hashes=hash_sets)
def test_set_digest_is_independent_of_insertion_order(data, hashes):
    shuffled = data.draw(st.permutations(hashes))
    assert digest_of(shuffled) == digest_of(hashes)


@given(hashes=hash_sets, extra=st.binary())
def test_adding_then_removing_an_entry_returns_the_previous_digest(hashes, extra):
    before = digest_of(hashes)
    h = leaf_hash(extra)
    assert set_digest_remove(set_digest_add(before, h), h) == before
    assert set_digest_add(set_digest_remove(before, h), h) == before


def test_the_same_set_reached_by_different_histories_has_equal_digests():
    a, b, c, d = (leaf_hash(x) for x in (b"a", b"b", b"c", b"d"))
    forwards = digest_of([a, b, c])
    # Different order, plus an entry that came and went on the way.
    history = set_digest_add(SET_DIGEST_EMPTY, c)
    history = set_digest_add(history, d)
    history = set_digest_add(history, a)
    history = set_digest_remove(history, d)
    history = set_digest_add(history, b)
    assert history == forwards
    assert set_digest_hex(history) == set_digest_hex(forwards)


@given(hashes=hash_sets.filter(bool), data=st.data())
def test_removing_one_entry_changes_the_digest(hashes, data):
    victim = data.draw(st.sampled_from(hashes))
    full = digest_of(hashes)
    assert set_digest_remove(full, victim) != full
    assert set_digest_remove(full, victim) == digest_of([h for h in hashes if h != victim])


def test_a_duplicated_change_is_visible_in_the_digest():
    h = leaf_hash(b"change")
    once = set_digest_add(SET_DIGEST_EMPTY, h)
    assert set_digest_add(once, h) != once


def test_set_digest_term_is_tagged_sha256_as_a_big_endian_integer_mod_2_256():
    h = leaf_hash(b"entry")
    term = int.from_bytes(hashlib.sha256(b"argos-set-v1" + h).digest(), "big")
    assert set_digest_add(SET_DIGEST_EMPTY, h) == term
    assert set_digest_remove(SET_DIGEST_EMPTY, h) == (-term) % 2**256
    assert set_digest_add(2**256 - 1, h) == (term - 1) % 2**256


def test_set_digest_hex_is_always_64_lowercase_hex_characters():
    assert SET_DIGEST_EMPTY == 0
    assert set_digest_hex(SET_DIGEST_EMPTY) == "0" * 64
    assert set_digest_hex(255) == "0" * 62 + "ff"
    assert set_digest_hex(2**256 - 1) == "f" * 64
    with pytest.raises(ValueError):
        set_digest_hex(2**256)
    with pytest.raises(ValueError):
        set_digest_hex(-1)


def test_set_digest_refuses_anything_but_a_32_byte_leaf_hash():
    with pytest.raises(ValueError):
        set_digest_add(SET_DIGEST_EMPTY, b"raw leaf bytes, not a hash")
    with pytest.raises(ValueError):
        set_digest_remove(SET_DIGEST_EMPTY, b"")


@given(start=hash_sets, added=hash_sets, data=st.data())
def test_a_batch_update_equals_the_same_adds_and_removes_one_by_one(start, added, data):
    removed = data.draw(st.lists(st.sampled_from(start), unique=True) if start else st.just([]))
    one_by_one = digest_of(start)
    for h in added:
        one_by_one = set_digest_add(one_by_one, h)
    for h in removed:
        one_by_one = set_digest_remove(one_by_one, h)
    assert set_digest_update(digest_of(start), added, removed) == one_by_one
    assert 0 <= set_digest_update(digest_of(start), added, removed) < 2**256
