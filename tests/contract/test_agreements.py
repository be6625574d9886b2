"""AgreementRepository: agreements saved and loaded as whole aggregates, countersigned
versions frozen once stored, and status changes held until the partner has them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from gateway.domain.agreement import (
    Agreement,
    AgreementTerms,
    AgreementVersion,
    LocationGranularity,
    Purpose,
    StatusChange,
    StatusKind,
)
from gateway.domain.envelope import AGREEMENT_PAYLOAD, AGREEMENT_STATUS_PAYLOAD, Envelope, sign
from gateway.domain.identity import NodeSigningKey
from gateway.services.ports import StatusDelivery
from gateway.wire.codec import status_payload, terms_payload
from tests.contract.samples import NODE, NODE_KEY, OTHER_PARTNER, PARTNER, PARTNER_KEY, START


def terms(agreement_id: str, version: int = 1, partner: str = PARTNER, **changes) -> AgreementTerms:
    return AgreementTerms(
        agreement_id=agreement_id,
        version=version,
        proposer=NODE,
        partner=partner,
        valid_from=START,
        valid_until=START + timedelta(days=365),
        categories=("stolen_vehicle", "wanted_person"),
        purposes=(Purpose.CRIMINAL_INVESTIGATION,),
        location_granularity=LocationGranularity.ZONE,
        **changes,
    )


def proposed(t: AgreementTerms, key: NodeSigningKey = NODE_KEY) -> AgreementVersion:
    return AgreementVersion(t, sign(AGREEMENT_PAYLOAD, terms_payload(t), key), countersigned=False)


def countersigned(t: AgreementTerms) -> AgreementVersion:
    envelope = proposed(t).envelope.with_signature(PARTNER_KEY)
    return AgreementVersion(t, envelope, countersigned=True)


def agreement(agreement_id: str, *versions: AgreementVersion, **changes) -> Agreement:
    made = Agreement(agreement_id, local_node=NODE, partner=PARTNER, versions=versions)
    return dataclasses.replace(made, **changes)


def status_envelope(agreement_id: str, kind: StatusKind, at_minutes: int) -> Envelope:
    change = StatusChange(
        agreement_id, 1, kind, NODE, "reason", START + timedelta(minutes=at_minutes)
    )
    return sign(AGREEMENT_STATUS_PAYLOAD, status_payload(change), NODE_KEY)


def save(store, *agreements: Agreement) -> None:
    with store.write() as uow:
        for a in agreements:
            uow.agreements.save(a)
        uow.commit()


def load(store, agreement_id: str) -> Agreement | None:
    with store.read() as uow:
        return uow.agreements.get(agreement_id)


def test_an_unknown_agreement_is_none(store):
    assert load(store, "agr-none") is None


def test_an_agreement_round_trips_as_a_whole(store):
    held = agreement(
        "agr-1",
        countersigned(terms("agr-1", 1)),
        proposed(terms("agr-1", 2, hit_retention_days=14)),
        suspensions=(PARTNER,),
        status_reason="audit pending",
        partner_status_at=START + timedelta(hours=1, milliseconds=123),
    )
    save(store, held)
    assert load(store, "agr-1") == held


def test_a_revoked_agreement_keeps_who_revoked_it(store):
    held = agreement(
        "agr-1",
        countersigned(terms("agr-1")),
        revoked_by=NODE,
        status_reason="ended",
        partner_status_at=START,
    )
    save(store, held)
    assert load(store, "agr-1") == held


def test_agreements_are_listed_oldest_first(store):
    a, b, c = (agreement(i, proposed(terms(i))) for i in ("agr-c", "agr-a", "agr-b"))
    save(store, a)
    save(store, b, c)
    save(store, dataclasses.replace(a, status_reason="saved again"))  # does not move it
    with store.read() as uow:
        assert uow.agreements.ids() == ["agr-c", "agr-a", "agr-b"]
        assert [x.agreement_id for x in uow.agreements.all()] == ["agr-c", "agr-a", "agr-b"]
        assert uow.agreements.all()[0].status_reason == "saved again"


def test_a_countersigned_version_is_never_rewritten(store):
    signed = countersigned(terms("agr-1"))
    save(store, agreement("agr-1", signed))
    other_key = NodeSigningKey(bytes(range(2, 34)))
    forged = AgreementVersion(
        signed.terms, sign(AGREEMENT_PAYLOAD, terms_payload(signed.terms), other_key), True
    )
    unsigned = dataclasses.replace(signed, countersigned=False)
    for later in (forged, unsigned):
        save(store, agreement("agr-1", later))
        assert load(store, "agr-1") == agreement("agr-1", signed)


def test_a_countersigned_version_stays_when_a_later_save_leaves_it_out(store):
    signed = countersigned(terms("agr-1"))
    save(store, agreement("agr-1", signed))
    save(store, agreement("agr-1"))
    assert load(store, "agr-1").versions == (signed,)


def test_a_pending_proposal_is_saved_as_it_now_is(store):
    v1 = countersigned(terms("agr-1", 1))
    save(store, agreement("agr-1", v1, proposed(terms("agr-1", 2))))
    replacement = proposed(terms("agr-1", 2, hit_retention_days=7))
    save(store, agreement("agr-1", v1, replacement))
    assert load(store, "agr-1").versions == (v1, replacement)
    countersigned_v2 = countersigned(replacement.terms)
    save(store, agreement("agr-1", v1, countersigned_v2))
    assert load(store, "agr-1").versions == (v1, countersigned_v2)


def test_a_withdrawn_proposal_is_gone_after_the_save_without_it(store):
    v1 = countersigned(terms("agr-1", 1))
    save(store, agreement("agr-1", v1, proposed(terms("agr-1", 2))))
    save(store, agreement("agr-1", v1))
    assert load(store, "agr-1").versions == (v1,)


def test_a_status_change_issued_here_is_undelivered_until_marked_delivered(store):
    first = status_envelope("agr-1", StatusKind.SUSPEND, 1)
    second = status_envelope("agr-1", StatusKind.RESUME, 2)
    base = agreement("agr-1", countersigned(terms("agr-1")))
    with store.write() as uow:
        uow.agreements.save(base, first, issued_here=True)
        uow.agreements.save(base, second, issued_here=True)
        uow.commit()
    with store.read() as uow:
        pending = uow.agreements.undelivered_status_changes()
    assert [(d.partner, d.envelope) for d in pending] == [(PARTNER, first), (PARTNER, second)]
    with store.write() as uow:
        uow.agreements.mark_status_delivered(pending[0].change_id)
        uow.commit()
    with store.read() as uow:
        assert uow.agreements.undelivered_status_changes() == [pending[1]]


def test_a_status_change_received_from_the_partner_is_not_sent_back(store):
    base = agreement("agr-1", countersigned(terms("agr-1")))
    with store.write() as uow:
        uow.agreements.save(base, status_envelope("agr-1", StatusKind.SUSPEND, 1))
        uow.commit()
    with store.read() as uow:
        assert uow.agreements.undelivered_status_changes() == []


def test_each_status_change_goes_to_the_partner_of_its_agreement(store):
    to_terneuzen = status_envelope("agr-1", StatusKind.REVOKE, 1)
    to_rotterdam = status_envelope("agr-2", StatusKind.REVOKE, 2)
    with store.write() as uow:
        uow.agreements.save(agreement("agr-1"), to_terneuzen, issued_here=True)
        uow.agreements.save(
            dataclasses.replace(agreement("agr-2"), partner=OTHER_PARTNER),
            to_rotterdam,
            issued_here=True,
        )
        uow.commit()
    with store.read() as uow:
        pending = uow.agreements.undelivered_status_changes()
    assert [(d.partner, d.envelope) for d in pending] == [
        (PARTNER, to_terneuzen),
        (OTHER_PARTNER, to_rotterdam),
    ]
    assert all(isinstance(d, StatusDelivery) for d in pending)
    assert len({d.change_id for d in pending}) == 2


def test_a_proposal_left_out_is_gone_even_when_no_version_remains(store):
    save(store, agreement("agr-1", proposed(terms("agr-1", 1))))
    save(store, agreement("agr-1"))
    assert load(store, "agr-1").versions == ()
