"""A partner that moves: its new endpoint, certificate or CA, announced by the partner
itself in a signed statement, or set by the local administrator; and what either does
to how the partner is reached and recognised.

Rules for an announcement received from a partner (each check below cites one):
1. It is signed by the announcing node's current signing key, and by nothing else
   (domain.envelope, verified by the caller against Partner.keys).
2. It names the node whose mutual-TLS certificate delivered it: a partner announces
   only its own move.
3. Its sequence is above every announcement held from that node, whatever became of
   them (pending, accepted, rejected, superseded): an old announcement cannot be
   replayed, nor a stale one applied over a newer one. The very same announcement
   while it is still pending is a retried delivery, not a replay, and changes nothing.
4. It was not issued in the future (beyond a small clock skew).
5. It announces something, and what it announces is well formed: an endpoint is
   host:port, every CA certificate parses, a certificate parses and names the
   announcing node (domain.peer rule 1) and, announced with a CA, is issued by one of
   its CAs.
6. It takes effect only once the local administrator accepts it (fingerprint compared
   out of band, as with agreements): receiving it changes nothing but the pending list.
   A newer announcement supersedes a pending older one.

What applying one changes (`applied`), the same for an administrator's own change:
- an endpoint replaces the endpoint;
- a pinned partner: a new certificate becomes its pin and its only trust anchor; a CA
  alone changes nothing of its TLS trust (the administrator chose to pin);
- a partner trusted by its CA: a CA bundle replaces its CA (every CA in the bundle is
  accepted, domain.peer rule 3); a certificate alone changes nothing, but must be
  issued by a CA it will be trusted by, or accepting it is refused (it would be
  refused on the next connection anyway).
Its node id, signing keys and agreements are never touched: nothing received is purged.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gateway.domain.errors import InvalidInput, PeerIdentityMismatch, StaleVersion
from gateway.domain.partners import Partner
from gateway.domain.peer import (
    PartnerTrust,
    bundle_fingerprints,
    certificate_fingerprint,
    check_ca_pem,
    check_partner_server,
    node_id_of,
)

PARTNER_CHANGE_PAYLOAD = "application/vnd.argos.partner-change.v1+protobuf"
MAX_CLOCK_SKEW = timedelta(minutes=5)
ENDPOINT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
# A CA bundle during a changeover holds two or three certificates; a PEM a peer sends
# is bounded so it cannot fill the database.
MAX_PEM_CHARS = 64 * 1024


class ChangeState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


def check_endpoint(endpoint: str) -> str:
    if not ENDPOINT.match(endpoint):
        raise InvalidInput(f"endpoint {endpoint[:100]!r} is not of the form host:port")
    return endpoint


@dataclass(frozen=True)
class PartnerChange:
    """What a node announces of itself; "" leaves that part as it is."""

    node_id: str
    sequence: int
    issued_at: datetime
    endpoint: str = ""
    tls_ca_pem: str = ""
    tls_cert_pem: str = ""

    def check(self) -> PartnerChange:
        """Rule 5: something is announced, and all of it is well formed."""
        if not (self.endpoint or self.tls_ca_pem or self.tls_cert_pem):
            raise InvalidInput("a partner change announces an endpoint, a certificate or a CA")
        if self.sequence < 1:
            raise InvalidInput("a partner change's sequence starts at 1")
        if self.endpoint:
            check_endpoint(self.endpoint)
        for pem in (self.tls_ca_pem, self.tls_cert_pem):
            if len(pem) > MAX_PEM_CHARS:
                raise InvalidInput(f"a PEM in a partner change is over {MAX_PEM_CHARS} characters")
        if self.tls_ca_pem:
            check_ca_pem(self.tls_ca_pem)
        if self.tls_cert_pem:
            named = node_id_of(self.tls_cert_pem)
            if named != self.node_id:
                raise PeerIdentityMismatch(
                    f"the certificate announced by {self.node_id} names {named}"
                )
            if self.tls_ca_pem:
                try:
                    check_partner_server(
                        self.tls_cert_pem, PartnerTrust(self.node_id, self.tls_ca_pem, "")
                    )
                except PeerIdentityMismatch:
                    raise InvalidInput(
                        f"the certificate announced by {self.node_id} is not issued by any "
                        "CA announced with it"
                    ) from None
        return self

    @property
    def ca_sha256(self) -> tuple[str, ...]:
        return bundle_fingerprints(self.tls_ca_pem) if self.tls_ca_pem else ()

    @property
    def cert_sha256(self) -> str:
        return certificate_fingerprint(self.tls_cert_pem) if self.tls_cert_pem else ""


@dataclass(frozen=True)
class HeldChange:
    """A partner's announcement as this node holds it."""

    change: PartnerChange
    fingerprint: str  # of the signed payload (domain.envelope.payload_fingerprint)
    envelope_bytes: bytes  # exactly as received, with its signature
    received_at: datetime
    state: ChangeState
    decided_at: datetime | None = None


def check_receivable(
    change: PartnerChange,
    sender: str,
    fingerprint: str,
    held: HeldChange | None,
    now: datetime,
) -> bool:
    """Whether `change`, delivered by `sender`, is taken in (True), is the pending
    announcement delivered again (False), or is refused (raise). `held` is the newest
    announcement held from `sender`, if any."""
    if change.node_id != sender:  # rule 2
        raise PeerIdentityMismatch(
            f"a partner change naming {change.node_id[:64]} came from {sender}"
        )
    if held is not None and change.sequence <= held.change.sequence:  # rule 3
        if fingerprint == held.fingerprint and held.state is ChangeState.PENDING:
            return False
        raise StaleVersion(
            f"partner change {change.sequence} from {sender} is a replay or stale: "
            f"announcement {held.change.sequence} is held ({held.state.value})"
        )
    if change.issued_at > now + MAX_CLOCK_SKEW:  # rule 4
        raise InvalidInput(
            f"partner change {change.sequence} from {sender} is issued in the future"
        )
    change.check()  # rule 5
    return True


def applied(
    partner: Partner,
    *,
    endpoint: str = "",
    tls_ca_pem: str = "",
    tls_cert_pem: str = "",
) -> Partner:
    """The partner as it is once an announced change is accepted (see the module
    docstring); raise if the announced certificate would not be trusted."""
    after = replace(partner, endpoint=check_endpoint(endpoint)) if endpoint else partner
    if partner.tls_pin_sha256:
        if tls_cert_pem:
            after = replace(
                after,
                tls_ca_pem=tls_cert_pem,
                tls_pin_sha256=certificate_fingerprint(tls_cert_pem),
            )
        return after
    if tls_ca_pem:
        after = replace(after, tls_ca_pem=check_ca_pem(tls_ca_pem))
    if tls_cert_pem:
        try:
            check_partner_server(tls_cert_pem, after.trust)
        except PeerIdentityMismatch:
            raise InvalidInput(
                f"the certificate announced by {partner.node_id} is not issued by any CA "
                f"it is trusted by here: it must announce its new CA too"
            ) from None
    return after


def change_details(before: Partner, after: Partner) -> dict[str, str]:
    """A partner before and after a change, as audited: endpoint, the SHA-256 of each CA
    certificate (comma separated) and the pin; enough to compare with what the partner
    says by phone; never a PEM or a key."""
    return {
        "old_endpoint": before.endpoint,
        "new_endpoint": after.endpoint,
        "old_ca_sha256": _fingerprints(before.tls_ca_pem),
        "new_ca_sha256": _fingerprints(after.tls_ca_pem),
        "old_pin_sha256": before.tls_pin_sha256,
        "new_pin_sha256": after.tls_pin_sha256,
    }


def announced_details(change: PartnerChange, fingerprint: str) -> dict[str, str | int]:
    """What an announcement says, as audited (fingerprints, never a PEM)."""
    return {
        "fingerprint": fingerprint,
        "sequence": change.sequence,
        "endpoint": change.endpoint,
        "ca_sha256": ",".join(change.ca_sha256),
        "cert_sha256": change.cert_sha256,
    }


def _fingerprints(pem: str) -> str:
    try:
        return ",".join(bundle_fingerprints(pem))
    except InvalidInput:  # registered before every certificate of a bundle was checked
        return "unreadable"
