"""gateway/domain/oprf.py against RFC 9497's published test vectors for the VOPRF mode
of ristretto255-SHA512, and the properties the oblivious matching mode relies on.

Vectors: RFC 9497 Appendix A.1.2 (ristretto255-SHA512, VOPRF mode), as kept in JSON by
the specification's authors: github.com/cfrg/draft-irtf-cfrg-voprf, file
poc/vectors/allVectors.json at commit 43da59f797c92248c0362e4c74cc10a8bd2b7b7d (entry
"ristretto255-SHA512", mode 1). Copied here, not into the code, on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import oprf
from gateway.domain.errors import InvalidInput, ProofInvalid

SEED = bytes.fromhex("a3" * 32)
KEY_INFO = bytes.fromhex("74657374206b6579")  # "test key"
SK = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
PK = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
GROUP_DST = "48617368546f47726f75702d4f50524656312d012d72697374726574746f3235352d534841353132"

BLIND = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
OUT_00 = (
    "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
    "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c"
)
OUT_5A = (
    "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
    "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6"
)
# (input, blind, blinded element, evaluation element, proof, proof nonce r, output)
SINGLE = [
    (
        "00",
        BLIND,
        "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
        "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
        "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06"
        "6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
        "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
        OUT_00,
    ),
    (
        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        BLIND,
        "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",
        "60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468",
        "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a"
        "67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
        "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
        OUT_5A,
    ),
]
BATCH = {
    "inputs": ["00", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"],
    "blinds": [BLIND, "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e"],
    "blinded": [
        "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
        "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
    ],
    "evaluated": [
        "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
        "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
    ],
    "proof": "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
    "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
    "r": "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
    "outputs": [OUT_00, OUT_5A],
}

h = bytes.fromhex


def vector_key() -> oprf.KeyPair:
    return oprf.derive_key_pair(SEED, KEY_INFO)


def test_context_string_and_group_dst_are_the_suites() -> None:
    assert oprf.HASH_TO_GROUP_DST == h(GROUP_DST)


def test_derive_key_pair_gives_the_vector_keys() -> None:
    key = vector_key()
    assert key.secret.hex() == SK
    assert key.public.hex() == PK


@pytest.mark.parametrize(("x", "b", "blinded", "evaluated", "proof", "r", "out"), SINGLE)
def test_single_vectors(
    x: str, b: str, blinded: str, evaluated: str, proof: str, r: str, out: str
) -> None:
    key = vector_key()
    mine = oprf.blind(h(x), blind=h(b))
    assert mine.element.hex() == blinded
    answer = oprf.blind_evaluate(key, [mine.element], r=h(r))
    assert [e.hex() for e in answer.elements] == [evaluated]
    assert answer.proof.hex() == proof
    outputs = oprf.finalize([h(x)], [mine.blind], [mine.element], answer, key.public)
    assert [o.hex() for o in outputs] == [out]
    assert oprf.evaluate(key.secret, h(x)).hex() == out


def test_batch_of_two_vector_with_one_proof() -> None:
    key = vector_key()
    inputs = [h(x) for x in BATCH["inputs"]]
    mine = [oprf.blind(x, blind=h(b)) for x, b in zip(inputs, BATCH["blinds"], strict=True)]
    assert [m.element.hex() for m in mine] == BATCH["blinded"]
    answer = oprf.blind_evaluate(key, [m.element for m in mine], r=h(BATCH["r"]))
    assert [e.hex() for e in answer.elements] == BATCH["evaluated"]
    assert answer.proof.hex() == BATCH["proof"]
    outputs = oprf.finalize(
        inputs, [m.blind for m in mine], [m.element for m in mine], answer, key.public
    )
    assert [o.hex() for o in outputs] == BATCH["outputs"]


def test_expand_message_xmd_sha512_rfc9380_vector() -> None:
    # RFC 9380 Appendix K.3 (expand_message_xmd, SHA-512), msg "", len_in_bytes 0x20.
    dst = b"QUUX-V01-CS02-with-expander-SHA512-256"
    assert (
        oprf.expand_message_xmd(b"", dst, 0x20).hex()
        == "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"
    )


inputs = st.binary(min_size=0, max_size=40)


@settings(deadline=None, max_examples=40)
@given(st.lists(inputs, min_size=1, max_size=5), st.binary(min_size=32, max_size=32))
def test_finalize_of_blind_is_evaluate(xs: list[bytes], seed: bytes) -> None:
    key = oprf.derive_key_pair(seed, b"argos")
    mine = [oprf.blind(x) for x in xs]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    outputs = oprf.finalize(
        xs, [m.blind for m in mine], [m.element for m in mine], answer, key.public
    )
    assert outputs == [oprf.evaluate(key.secret, x) for x in xs]


@settings(deadline=None, max_examples=25)
@given(st.lists(inputs, min_size=1, max_size=4), st.binary(min_size=32, max_size=32))
def test_a_batch_evaluated_under_another_key_is_refused(xs: list[bytes], seed: bytes) -> None:
    committed = oprf.derive_key_pair(seed, b"committed")
    other = oprf.derive_key_pair(seed, b"another")
    mine = [oprf.blind(x) for x in xs]
    answer = oprf.blind_evaluate(other, [m.element for m in mine])
    with pytest.raises(ProofInvalid, match="not proven under the key it committed to"):
        oprf.verify_proof(committed.public, [m.element for m in mine], *answer)


@settings(deadline=None, max_examples=25)
@given(
    st.lists(inputs, min_size=1, max_size=4),
    st.binary(min_size=32, max_size=32),
    st.data(),
)
def test_a_tampered_evaluated_element_is_refused(
    xs: list[bytes], seed: bytes, data: st.DataObject
) -> None:
    key = oprf.derive_key_pair(seed, b"argos")
    mine = [oprf.blind(x) for x in xs]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    i = data.draw(st.integers(0, len(xs) - 1))
    # Another valid element in place of one evaluation (what a cheating owner could
    # send): a random point, or the evaluation under another key.
    forged = oprf.hash_to_group(data.draw(st.binary(min_size=1, max_size=16)), b"forged")
    elements = list(answer.elements)
    elements[i] = forged
    with pytest.raises(ProofInvalid):
        oprf.verify_proof(key.public, [m.element for m in mine], elements, answer.proof)


def test_a_batch_answered_with_the_wrong_count_is_refused() -> None:
    key = vector_key()
    mine = [oprf.blind(b"a"), oprf.blind(b"b")]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    with pytest.raises(ProofInvalid, match="answered 1 elements for 2 sent"):
        oprf.verify_proof(key.public, [m.element for m in mine], answer.elements[:1], answer.proof)


@pytest.mark.parametrize(
    "element", [bytes(32), b"\xff" * 32, b"\x01" * 31], ids=["identity", "non-canonical", "short"]
)
def test_identity_and_malformed_elements_are_refused(element: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a valid ristretto255 element"):
        oprf.deserialize_element(element)


@pytest.mark.parametrize("element", [bytes(32), b"\xff" * 32], ids=["identity", "non-canonical"])
def test_an_evaluated_element_that_is_no_valid_element_is_refused(element: bytes) -> None:
    key = vector_key()
    mine = [oprf.blind(b"a"), oprf.blind(b"b")]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    with pytest.raises(ProofInvalid, match="does not verify"):
        oprf.verify_proof(
            key.public, [m.element for m in mine], [answer.elements[0], element], answer.proof
        )


def test_unblinding_a_batch_with_one_inversion_gives_each_output() -> None:
    key = vector_key()
    xs = [bytes([i]) * 5 for i in range(7)]
    mine = [oprf.blind(x) for x in xs]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    assert oprf.unblind_all(xs, [m.blind for m in mine], answer.elements) == [
        oprf.unblind(x, m.blind, e) for x, m, e in zip(xs, mine, answer.elements, strict=True)
    ]
