"""Generate docs/protocol.md, the protocol reference for partners implementing their
own node, from the wire contract itself.

Services, messages, fields, enums and their comments come from protos/argos/v1 (compiled
with source info by grpc_tools' protoc, the same compiler `make proto` uses); payload
types, token parameters and status codes come from the code that uses them. Only the
framing prose below is written by hand. Run `python docs/generate_protocol.py` after
changing a proto; tests/unit/test_protocol_doc.py fails when docs/protocol.md is stale.
"""

from __future__ import annotations

import argparse
import tempfile
from importlib.resources import files
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from gateway.domain import envelope as env
from gateway.domain import errors, feed, hits, partner_change
from gateway.domain.schemes import oblivious as oblivious_scheme
from gateway.domain.schemes import token as token_scheme
from gateway.node.status_codes import ERROR_DOMAIN, status_of
from gateway.services import confirmations

ROOT = Path(__file__).resolve().parent.parent

PROTO_ROOT = ROOT / "protos"
OUT = ROOT / "docs" / "protocol.md"
# What a partner's node speaks to ours, in reading order; admin.proto and ingest.proto
# are local to one node (its CLI and adapters) and not part of the partner protocol.
PARTNER_FILES = (
    "argos/v1/federation.proto",
    "argos/v1/envelope.proto",
    "argos/v1/agreement.proto",
    "argos/v1/hotlist.proto",
    "argos/v1/hits.proto",
    "argos/v1/confirmations.proto",
    "argos/v1/partner_change.proto",
)
PAYLOADS = (
    (env.AGREEMENT_PAYLOAD, "AgreementDocument", "proposer, then both parties"),
    (env.AGREEMENT_STATUS_PAYLOAD, "AgreementStatusChange", "the party that changes it"),
    (feed.CHECKPOINT_PAYLOAD, "Checkpoint", "the provider"),
    (feed.SYNC_HEAD_PAYLOAD, "SyncHead", "the provider"),
    (hits.HIT_NOTIFICATION_PAYLOAD, "HitNotification", "the observer"),
    (confirmations.REQUEST_PAYLOAD, "ConfirmationRequest", "the requester"),
    (confirmations.EVENT_PAYLOAD, "ConfirmationEvent", "the party that closes it"),
    (partner_change.PARTNER_CHANGE_PAYLOAD, "PartnerChange", "the node that moves"),
    (oblivious_scheme.KEY_COMMITMENT_PAYLOAD, "ObliviousKeyCommitment", "the provider"),
)
_SCALARS = {
    v: k[len("TYPE_") :].lower()
    for k, v in descriptor_pb2.FieldDescriptorProto.Type.items()
    if k not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")
}


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """Every proto under protos/, compiled with its comments."""
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"-I{files('grpc_tools') / '_proto'}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *protos,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed; see the messages above")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


class _Comments:
    def __init__(self, f: descriptor_pb2.FileDescriptorProto) -> None:
        self._by_path = {tuple(loc.path): loc for loc in f.source_code_info.location}

    def leading(self, *path: int) -> str:
        loc = self._by_path.get(path)
        if loc is None:
            return ""
        text = loc.leading_comments or loc.trailing_comments
        return " ".join(line.strip() for line in text.strip().splitlines())

    def header(self) -> str:
        loc = self._by_path.get((12,))  # the syntax statement carries the file comment
        if loc is None or not loc.leading_detached_comments:
            return ""
        return "\n".join(
            line.strip() for line in loc.leading_detached_comments[0].strip().splitlines()
        )


def _type(field: descriptor_pb2.FieldDescriptorProto) -> str:
    if field.type in _SCALARS:
        name = _SCALARS[field.type]
    else:
        name = field.type_name.removeprefix(".").removeprefix("argos.v1.")
        if not name.startswith("google."):
            name = f"[{name}](#{name.lower().replace('.', '')})"
    if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED:
        return f"repeated {name}"
    return name


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _message(out: list[str], c: _Comments, m, path: tuple[int, ...], prefix: str = "") -> None:
    name = prefix + m.name
    out += [f"#### {name}", ""]
    if comment := c.leading(*path):
        out += [comment, ""]
    if m.field:
        out += ["| # | field | type | notes |", "|---|---|---|---|"]
        for i, field in enumerate(m.field):
            notes = c.leading(*path, 2, i)
            if field.HasField("oneof_index") and not field.proto3_optional:
                notes = f"oneof `{m.oneof_decl[field.oneof_index].name}`. {notes}".strip()
            out.append(f"| {field.number} | `{field.name}` | {_type(field)} | {_cell(notes)} |")
        out.append("")
    else:
        out += ["(no fields)", ""]
    for i, nested in enumerate(m.nested_type):
        _message(out, c, nested, (*path, 3, i), prefix=f"{name}.")
    for i, enum in enumerate(m.enum_type):
        _enum(out, c, enum, (*path, 4, i), prefix=f"{name}.")


def _enum(out: list[str], c: _Comments, e, path: tuple[int, ...], prefix: str = "") -> None:
    out += [f"#### {prefix}{e.name}", ""]
    if comment := c.leading(*path):
        out += [comment, ""]
    out += ["| value | name | notes |", "|---|---|---|"]
    for i, v in enumerate(e.value):
        out.append(f"| {v.number} | `{v.name}` | {_cell(c.leading(*path, 2, i))} |")
    out.append("")


def _services(out: list[str], c: _Comments, f) -> None:
    for si, service in enumerate(f.service):
        out += [f"### service {service.name}", ""]
        if comment := c.leading(6, si):
            out += [comment, ""]
        out += ["| rpc | request | response | what |", "|---|---|---|---|"]
        for mi, method in enumerate(service.method):
            request = method.input_type.removeprefix(".argos.v1.")
            response = method.output_type.removeprefix(".argos.v1.")
            if method.server_streaming:
                response = f"stream {response}"
            out.append(
                f"| `{method.name}` | {request} | {response} | {_cell(c.leading(6, si, 2, mi))} |"
            )
        out.append("")


def _errors(out: list[str]) -> None:
    out += [
        "## Status codes",
        "",
        "A node refuses with a gRPC status whose message says why in words a person can act",
        "on (never a plate). The status details carry the kind of refusal as a code: a",
        f"`google.rpc.ErrorInfo` with domain `{ERROR_DOMAIN}` and the code as its reason.",
        "A node acts on the code, never on the message text; a status without the detail",
        "is read by its gRPC code alone. The mapping, from `gateway/node/status_codes.py`:",
        "",
        "| refusal | code (ErrorInfo reason) | gRPC status | meaning |",
        "|---|---|---|---|",
    ]
    for code_name, cls in sorted(errors.error_classes().items()):
        if cls is errors.ArgosError:
            continue
        status = status_of(cls).name
        doc = " ".join((cls.__doc__ or "").split())
        out.append(f"| `{cls.__name__}` | `{code_name}` | `{status}` | {_cell(doc)} |")
    out += [
        "",
        f"Anything else is `INTERNAL`. `{errors.PartnerUnreachable.__name__}` and",
        "`DEADLINE_EXCEEDED` are worth a retry; every other refusal is final for that message.",
        f"A `{errors.FeedBehindCursor.code}` answer to `PullHotlistChanges` tells the",
        "recipient that the provider's feed is behind its cursor (the provider was restored",
        "from an older backup): the recipient erases what it holds and syncs again from 0.",
        "",
    ]


INTRO = """\
# Argos federation protocol, version argos.v1

> Generated by `docs/generate_protocol.py` from `protos/argos/v1` and the code that
> uses it. Do not edit by hand: change the protos (or the generator's prose) and run
> `python docs/generate_protocol.py`.

This is what a port must implement to run its own node beside Argos nodes. The
contract is the `argos.v1` protobuf package in `protos/argos/v1/`; this page lists
every partner-facing service, message and enum with the comments from those files,
then the rules that are not expressible in protobuf.

## Transport and identity

- gRPC over HTTP/2 with **mutual TLS** on the federation port. The server's
  certificate must carry its node id as `DNS:<node-id>`; both certificates carry
  `URI:urn:argos:node:<node-id>` and the extended key usages `serverAuth` and
  `clientAuth` (profile: `certs-dev/README.md`).
- The callee reads the caller's node id from the `URI` SAN of its client
  certificate. The caller must be a registered partner, and its certificate must be
  issued by the CA registered for that partner (or match its pinned SHA-256): the
  handshake fails otherwise, and every handler checks the caller's identity before it
  looks at the request.
- Every call has a deadline; the reference node uses `call_timeout_s` (10 s) for
  unary calls and reconnects a `PullHotlistChanges` follow stream from its cursor.
- The federation port also serves `grpc.health.v1.Health` (service name
  `argos.v1.FederationService`) over the same mutual TLS; `argos status` uses it to
  tell whether a partner is reachable.

## Signed envelopes

Everything attributable travels as an `Envelope` (DSSE style): payload bytes and
Ed25519 signatures over `PAE(payload_type, payload)`, where

    PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body

(lengths in decimal ASCII, `SP` one space; `gateway/domain/envelope.py`). A receiver
verifies every required signature over the bytes as received, refuses unknown extra
signatures, and decodes the payload only after that. Key ids are `ed25519:` and the
first 16 bytes of SHA-256 of the raw public key, in hex. Node public keys are
exchanged out of band (`argos identity`) and registered with `argos partner add`.

| payload_type | payload message | signed by |
|---|---|---|
"""

RULES = """\
## Rules beyond the schema

- **Agreements.** Version 1 is proposed with the proposer's signature
  (`ProposeAgreement`); the partner countersigns the *same payload bytes* and returns
  them (`AcceptAgreement`). Amendments are new versions, signed by both. Suspension,
  resumption (only by the suspender) and revocation are unilateral
  `AgreementStatusChange` envelopes, pushed and retried until delivered. Both sides
  enforce the terms: a sender sends only what they allow, a receiver refuses anything
  else (`gateway/domain/agreement.py`, `gateway/domain/minimise.py`).
- **Plate tokens.** Under `MATCHING_MODE_TOKEN` an entry's plate travels only as
  `BLAKE2b(plate_normalised || 0x1F || country_alpha2, key=token_key,
  digest_size={token_bytes}, person="{token_person}")`; the country is empty when the
  owner does not know it (`SharedEntry.country_unknown`). The provider derives
  `token_key` per agreement version as `BLAKE2b(agreement_id || 0x1F || version,
  key=master, digest_size={token_key_bytes}, person="argos-tokenkey1")` and hands it
  only to the recipient party (`GetMatchingKey`). Plate normalisation:
  `gateway/domain/plates.py`.
- **Oblivious matching.** Under `MATCHING_MODE_OBLIVIOUS` an entry's plate travels
  as the first 16 bytes of the RFC 9497 VOPRF output (modeVOPRF, ristretto255-SHA512)
  of `plate_normalised || 0x1F || country_alpha2` under the provider's key for the
  agreement version and epoch, derived as `DeriveKeyPair(BLAKE2b(agreement_id || 0x1F
  || version, key=master, digest_size=32, person="argos-oprfkey1"), "argos oblivious
  matching v1")`. The key never leaves the provider: `GetMatchingKey` answers with a
  signed `ObliviousKeyCommitment` (its public key), and the recipient has readings
  evaluated with `EvaluatePlates` (at most 1,024 blinded elements a call, one proof a
  call, within the terms' `oblivious_evaluations_per_s` and `_per_day`;
  `RESOURCE_EXHAUSTED` beyond). The recipient verifies every proof against the
  committed key before using an evaluation.
- **Hotlist feed.** Per agreement and direction, a compacted change feed with
  sequence numbers (never timestamps). `PullHotlistChanges` answers from the
  caller's cursor with batches of at most {max_batch} leaves; each leaf is one
  serialised `SharedChange`, and one signed `Checkpoint` covers a batch with the
  RFC 6962 Merkle root of its leaves (`SHA-256(0x00||leaf)`,
  `SHA-256(0x01||left||right)`). After each run of batches the provider sends a signed
  `SyncHead`. The recipient's checks, in order, are listed in
  `gateway/domain/feed.py`: signature, parties, continuity from its cursor (no replay,
  no gap), leaves exactly as covered, increasing seqs within the checkpoint's range,
  every upsert in scope; any failure rejects the whole batch and changes nothing. If
  its set differs from a head at the same position, it starts over from 0.
- **Hits.** A `HitNotification` goes to the entry's owner only under an agreement
  with hit notification on, with a location no finer than agreed. The owner stores it
  once by hit id: `NotifyHit` of a notification it already holds answers
  `duplicate = true`, so a sender retries until it gets any answer but a refusal.
- **Confirmations.** Requests and events are signed by their node and checked
  against the agreement at the receiving node (purpose, direction, deadline, what an
  answer may contain: `gateway/domain/confirmations/`); `DeliverConfirmation` is
  idempotent in the same way.
- **Camera reads (local ingest API).** `SubmitReads` is not partner-facing, but its
  guarantee is: the node keeps its answer to each (adapter user, `batch_id`) in the
  transaction that records the batch's hits (a batch without hits: written with
  others' within a second), for `read_batch_retention_days` (one
  day) and at most `read_batch_receipts` per adapter user. A batch sent again under
  its id gets that first answer with `repeated = true` and is not matched, recorded,
  alerted or notified again; the same id with another number of reads is refused
  (`INVALID_ARGUMENT`, "a batch id names one batch"). A caller must give each batch an
  id of its own and resend a batch whole under the same id; an empty `batch_id` is
  never remembered. The reference adapter fixes each batch and its id in its spool
  before sending it, so camera reads reach the node exactly once per batch.
- **Delivery.** Hit notifications and confirmation messages are stored in a durable
  outbox in the same transaction as the fact they report, and retried with
  exponential backoff until the partner answers; a refusal is final and kept with its
  reason. Agreement status changes are stored and retried until delivered.

"""

ALERT_CURSOR = """\
### Node → control room: alerts exactly once, by position

`IngestService.WatchAlerts` (local, on the admin socket) gives every alert, confirmation
notice and feed notice with a `position` in the node's alert log. What the node
guarantees, and what a caller does:

- **Positions.** Each item is logged in the same transaction as what raised it (a hit's
  alert with its hit) at a position greater than every one before, never reused.
  Positions have gaps: an alert erased with its hit (retention), a notice past
  `alert_notice_retention_days`.
- **Cursor.** A caller keeps the last position it has taken (durably, with what it did
  with the item) and opens the stream again with `after_position` set to it: it is
  first given every item still kept after that position, in order, then the live
  stream. Unset means from now on; `0`, everything still kept. A position greater
  than any the node gave is refused (`INVALID_ARGUMENT`): the cursor belongs to another
  node or to before a restore.
- **Exactly once.** On one stream an item is given at most once and in increasing
  position; across reconnects, a caller that resumes from the last position it kept is
  given each item it has not taken, once. An item given but not yet kept by the caller
  when it died comes again: dedupe by the alert's id (`hit_id`; `request_id` and
  `what` for a confirmation notice), which a resumed stream never changes.
- **Falling behind.** The node queues a bounded number of live items per watcher
  (`[limits] alert_watcher_queue`). A watcher that does not take them as fast is sent a
  `BehindNotice` (where it resumes from, the newest position) and is then served from
  the alert log after its last position, then live again: nothing is dropped, and
  matching never waits for a slow screen.
- **Who and how long.** Only roles that may watch alerts (`alerts.watch`: operator,
  investigator) are given anything, checked when the stream opens and at every poll;
  opening with a cursor is audited (`alerts.watch`, with `after_position` and how many
  items it replays). Nothing is replayed past its retention.

"""


def render() -> str:
    fds = descriptor_set()
    by_name = {f.name: f for f in fds.file}
    out = [INTRO.rstrip("\n")]
    for payload_type, message, signer in PAYLOADS:
        out.append(f"| `{payload_type}` | [{message}](#{message.lower()}) | {signer} |")
    out.append("")
    out.append(
        RULES.format(
            token_bytes=token_scheme.TOKEN_BYTES,
            token_person=token_scheme.TOKEN_PERSON.decode(),
            token_key_bytes=token_scheme.TOKEN_KEY_BYTES,
            max_batch=feed.MAX_BATCH,
        ).rstrip("\n")
    )
    out.append("")
    _errors(out)
    out += ["## Reference", ""]
    for name in PARTNER_FILES:
        f = by_name[name]
        c = _Comments(f)
        out += [f"### {name}", ""]
        if header := c.header():
            out += [header, ""]
        _services(out, c, f)
        for i, m in enumerate(f.message_type):
            _message(out, c, m, (4, i))
        for i, e in enumerate(f.enum_type):
            _enum(out, c, e, (5, i))
    local = sorted(set(by_name) - set(PARTNER_FILES) - {n for n in by_name if "google" in n})
    out += [
        "## Not part of the partner protocol",
        "",
        "These files describe one node's local interfaces (its CLI and its adapters, on",
        "the admin socket); a partner never calls them: "
        + ", ".join(f"`{n}`" for n in local)
        + ".",
        "",
        ALERT_CURSOR.rstrip("\n"),
        "",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.write_text(render())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
