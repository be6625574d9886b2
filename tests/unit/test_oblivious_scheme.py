"""The oblivious scheme's rules without a network: what the owner publishes is what the
partner finds for exactly the readings it would try under token; the public-key
commitment binds key, agreement, version, epoch and parties; the owner's evaluation
budget; reads waiting for an owner are bounded in count and time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.domain import envelope as env
from gateway.domain import oprf
from gateway.domain.agreement import AgreementTerms, MatchingMode, Purpose, validate_terms
from gateway.domain.errors import (
    AgreementViolation,
    InvalidInput,
    ResourceExhausted,
    SignatureInvalid,
)
from gateway.domain.identity import NodeSigningKey
from gateway.domain.matching import EntryRef, MatchEngine
from gateway.domain.plates import Plate
from gateway.domain.schemes.oblivious import (
    KEY_COMMITMENT_PAYLOAD,
    OBLIVIOUS,
    CommittedKey,
    KeyCommitment,
    ObliviousIndex,
    ResolvedList,
    WantedReadings,
    derive_oblivious_key,
    verify_commitment,
)
from gateway.domain.schemes.token import derive_token_key
from gateway.services import oblivious_matching
from gateway.services.oblivious import EvaluationBudget
from gateway.services.oblivious_matching import HeldReads
from gateway.wire.feed_codec import key_commitment_from_payload, key_commitment_payload

MASTER = bytes(range(32))
GENT = NodeSigningKey.generate()


def _index(key: oprf.KeyPair, *plates: tuple[str, str]) -> ObliviousIndex:
    index = OBLIVIOUS.index("agr", "be-gent", (CommittedKey(key.public, 1, 0).encode(),))
    assert isinstance(index, ObliviousIndex)
    for n, (raw, country) in enumerate(plates):
        shared = OBLIVIOUS.shared_plate(Plate.parse(raw, country or None), key.secret)
        index.add(
            shared.plate_token,
            EntryRef(f"e{n}", "stolen_vehicle", 0, 2**40),
            countryless=shared.country_unknown,
        )
    return index


def _match(index: ObliviousIndex, key: oprf.KeyPair, plate: str, country: str, fuzzy: bool):
    """Both passes as the matching service runs them, the owner's part in process."""
    wanted = WantedReadings(index)
    engine = MatchEngine()
    engine.lists = {index.list_id: wanted}  # type: ignore[dict-item]
    engine.match(plate, country, (), now=1, fuzzy=fuzzy)
    inputs = list(wanted.inputs)
    mine = [oprf.blind(x) for x in inputs]
    answer = oprf.blind_evaluate(key, [m.element for m in mine])
    outputs = oprf.finalize(
        inputs, [m.blind for m in mine], [m.element for m in mine], answer, key.public
    )
    resolved = {x: (out[:16],) for x, out in zip(inputs, outputs, strict=True)}
    engine.lists = {index.list_id: ResolvedList(index, resolved)}  # type: ignore[dict-item]
    found, _ = engine.match(plate, country, (), now=1, fuzzy=fuzzy)
    return [(m.entry.entry_id, m.kind.value, m.matched) for m in found]


def test_an_owners_published_output_is_found_by_the_partners_evaluated_reading():
    key = derive_oblivious_key(MASTER, "agr", 1)
    index = _index(key, ("1-ABC-123", "BE"))
    assert _match(index, key, "1ABC123", "BE", fuzzy=False) == [("e0", "exact", "1ABC123")]
    assert _match(index, key, "1ABC124", "BE", fuzzy=False) == []


def test_fuzzy_variants_and_entries_of_unknown_country_are_tried_as_under_token():
    key = derive_oblivious_key(MASTER, "agr", 1)
    index = _index(key, ("1-ABC-123", "BE"), ("2-XYZ-456", ""))
    assert _match(index, key, "1ABC1Z3", "BE", fuzzy=True) == [("e0", "fuzzy", "1ABC123")]
    assert _match(index, key, "2XYZ456", "NL", fuzzy=False) == [("e1", "exact", "2XYZ456")]


def test_an_oblivious_list_finds_nothing_without_the_owner():
    key = derive_oblivious_key(MASTER, "agr", 1)
    assert _index(key, ("1-ABC-123", "BE")).lookup("1ABC123", "BE") == []


def test_the_owners_key_differs_per_version_and_from_the_token_key():
    v1, v2 = derive_oblivious_key(MASTER, "agr", 1), derive_oblivious_key(MASTER, "agr", 2)
    assert v1.secret != v2.secret
    assert derive_token_key(MASTER, "agr", 1) not in (v1.secret, v1.public)
    assert derive_oblivious_key(MASTER, "agr", 1) == v1  # reproducible, never stored


def _commitment(key: NodeSigningKey = GENT, **changes: object) -> env.Envelope:
    values = {
        "agreement_id": "agr",
        "agreement_version": 1,
        "token_epoch": 0,
        "provider": "be-gent",
        "recipient": "nl-terneuzen",
        "public_key": derive_oblivious_key(MASTER, "agr", 1).public,
    }
    values.update(changes)
    payload = key_commitment_payload(KeyCommitment(**values))  # type: ignore[arg-type]
    return env.sign(KEY_COMMITMENT_PAYLOAD, payload, key)


def _verify(envelope: env.Envelope) -> CommittedKey:
    return verify_commitment(
        envelope,
        provider="be-gent",
        provider_keys=GENT.public,
        recipient="nl-terneuzen",
        agreement_id="agr",
        version=1,
        epoch=0,
        decode=key_commitment_from_payload,
    )


def test_a_commitment_signed_by_the_owner_gives_its_public_key():
    held = _verify(_commitment())
    assert held.public_key == derive_oblivious_key(MASTER, "agr", 1).public
    assert CommittedKey.decode(held.encode()) == held


def test_a_commitment_signed_by_another_key_is_refused():
    with pytest.raises(SignatureInvalid):
        _verify(_commitment(NodeSigningKey.generate()))


@pytest.mark.parametrize(
    "change",
    [
        {"agreement_version": 2},
        {"token_epoch": 1},
        {"recipient": "be-antwerpen"},
        {"agreement_id": "other"},
    ],
    ids=["version", "epoch", "recipient", "agreement"],
)
def test_a_commitment_for_another_version_epoch_party_or_agreement_is_refused(change):
    with pytest.raises(AgreementViolation, match="key commitment names"):
        _verify(_commitment(**change))


def test_a_commitment_to_the_identity_element_is_refused():
    with pytest.raises(InvalidInput, match="not a valid ristretto255 element"):
        _verify(_commitment(public_key=bytes(32)))


def _terms(**overrides: object) -> AgreementTerms:
    values: dict[str, object] = {
        "agreement_id": "agr",
        "version": 1,
        "proposer": "be-gent",
        "partner": "nl-terneuzen",
        "valid_from": datetime(2026, 1, 1, tzinfo=UTC),
        "valid_until": datetime(2027, 1, 1, tzinfo=UTC),
        "categories": ("stolen_vehicle",),
        "purposes": (Purpose.CRIMINAL_INVESTIGATION,),
        "matching_mode": MatchingMode.OBLIVIOUS,
        "oblivious_evaluations_per_s": 100,
        "oblivious_evaluations_per_day": 10_000,
    }
    values.update(overrides)
    return AgreementTerms(**values)  # type: ignore[arg-type]


def test_oblivious_terms_need_a_budget_and_other_modes_have_none():
    assert validate_terms(_terms())
    with pytest.raises(InvalidInput, match="per second must be between 1"):
        validate_terms(_terms(oblivious_evaluations_per_s=0))
    with pytest.raises(InvalidInput, match="per day must be between the per-second budget"):
        validate_terms(_terms(oblivious_evaluations_per_day=99))
    with pytest.raises(InvalidInput, match="only for oblivious matching"):
        validate_terms(_terms(matching_mode=MatchingMode.TOKEN))


class Clock:
    def __init__(self, at: float = 86_400 * 100) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_the_budget_refuses_a_second_beyond_its_rate_and_refills():
    clock = Clock()
    budget = EvaluationBudget(10, 1000, clock)
    budget.take(6)
    with pytest.raises(ResourceExhausted, match="exceeds the budget of 10 a second"):
        budget.take(6)
    assert budget.spent_today == 6  # a refused batch spends nothing
    clock.at += 0.6
    budget.take(6)


def test_the_budget_refuses_beyond_the_day_until_the_next_utc_day():
    clock = Clock()
    budget = EvaluationBudget(10, 15, clock)
    budget.take(10)
    clock.at += 1
    with pytest.raises(ResourceExhausted, match=r"budget of 15 a day \(10 used today\)"):
        budget.take(6)
    clock.at = (clock.at // 86_400 + 1) * 86_400
    budget.take(10)
    assert budget.spent_today == 10


def test_reads_held_for_an_owner_are_bounded_in_count_and_time(monkeypatch):
    monkeypatch.setattr(oblivious_matching, "MAX_HELD_READS", 5)
    clock = Clock(0.0)
    held = HeldReads(clock)
    held.hold("agr", ["r1", "r2", "r3"], False, 1)
    held.hold("agr", ["r4", "r5", "r6", "r7"], False, 1)
    assert (held.count, held.dropped) == (5, 2)
    clock.at += oblivious_matching.HOLD_S
    assert held.take() == []
    assert (held.count, held.dropped) == (0, 7)


class _NoBudget:
    """The partner's agreements, as the resolver asks them: none with a budget."""

    def get(self, agreement_id: str) -> None:
        return None


class _Owner:
    """Stand-in for the owner node and the partner's store (no network here): evaluates
    under the committed key and counts the calls."""

    def __init__(self, key: oprf.KeyPair) -> None:
        self.key = key
        self.calls: list[int] = []
        self.partners = self
        self.agreements = _NoBudget()

    def get(self, node_id: str) -> str:
        return node_id

    def read(self):
        from contextlib import nullcontext

        return nullcontext(self)

    @property
    def store(self):
        return self

    @property
    def federation(self):
        return self

    def evaluate_plates(self, partner, agreement_id, version, epoch, blinded):
        self.calls.append(len(blinded))
        answer = oprf.blind_evaluate(self.key, blinded)
        return answer.elements, answer.proof


def test_small_requests_to_one_owner_share_one_call_and_each_gets_its_own_outputs(
    monkeypatch,
):
    from concurrent.futures import ThreadPoolExecutor

    from gateway.services.oblivious_matching import ObliviousResolver

    monkeypatch.setattr(oblivious_matching, "ELEMENTS_PER_CALL", 4)
    monkeypatch.setattr(oblivious_matching, "WINDOW_S", 60.0)  # the 4th fills the call
    key = derive_oblivious_key(MASTER, "agr", 1)
    owner = _Owner(key)
    resolver = ObliviousResolver(owner)  # type: ignore[arg-type]
    index = _index(key)
    inputs = [f"{n}ABC123\x1fBE".encode() for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda x: resolver.resolve(index, [x]), inputs))
    assert owner.calls == [4]
    for x, answer in zip(inputs, answers, strict=True):
        assert answer == {x: (oprf.evaluate(key.secret, x)[:16],)}
