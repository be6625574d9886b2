"""Every screen route x every role, at the HTTP level with real sessions (httpx over real
HTTPS to a real console beside nl-terneuzen, partner of a real be-gent): a role that may
not gets 403, refused by the node (PERMISSION_DENIED) and recorded in its audit log as
access.denied for the node action; the role that may gets 2xx or 303; what a refused
request would have changed is unchanged. The table is checked against the routes the
console mounts, so a new route without a row fails here.

Terneuzen is the observer: Gent shares its stolen vehicles with it, a Terneuzen camera
saw one of Gent's cars, and requests go both ways about that hit."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from starlette.routing import Route

from gateway.console import screens
from gateway.console.screens.agreement_terms import DEFAULTS
from tests.console.conftest import ConsoleClient, Port
from tests.console.investigator_support import csv_of, put_candidate, review_day
from tests.console.screens_support import add_entry, camera_read, submit_reads, wait_until
from tests.integration.hotlist_support import received

ROLES = ("operator", "investigator", "admin", "auditor")
WATCHERS = frozenset({"operator", "investigator"})
HIT_READERS = frozenset({"investigator", "auditor"})
CONFIRM_READERS = frozenset({"investigator", "auditor"})
INVESTIGATOR = frozenset({"investigator"})
AGREEMENT_READERS = frozenset({"admin", "auditor", "investigator"})
ADMIN = frozenset({"admin"})
AUDITORS = frozenset({"auditor", "admin"})
PARTNER_READERS = frozenset({"admin", "auditor"})
HOTLIST_READERS = frozenset({"investigator", "auditor"})
ISC_READERS = frozenset({"investigator", "auditor"})


@dataclass(frozen=True)
class Row:
    """Who may, and how the node names what a refused role was refused."""

    allowed: frozenset[str]
    # The node action refused (access.denied's object id), by role when it differs
    # (an operator may not even read what an investigator may read but not change).
    refused_as: str | dict[str, str] | None
    path: Callable[[dict], str]
    form: Callable[[dict], dict[str, str]] = field(default=lambda w: {})
    stream: bool = False
    # A file upload (multipart): {field: (file name, content)} beside the form.
    files: Callable[[dict], dict[str, tuple[str, bytes]]] | None = None
    # What a refused request must leave as it was (read through the CLI).
    unchanged: Callable[[dict], object] | None = None


def _agreement_state(key: str) -> Callable[[dict], object]:
    return lambda w: w["terneuzen"].node.json("agreement", "show", w[key])["state"]


def _request_state(key: str) -> Callable[[dict], object]:
    def state(w: dict) -> object:
        shown = w["terneuzen"].node.json("confirm", "show", w[key], token_file=w["ines"])
        return shown["state"]

    return state


def _user_state(key: str) -> Callable[[dict], object]:
    def state(w: dict) -> object:
        users = w["terneuzen"].node.json("user", "list")
        return next(u["state"] for u in users if u["name"] == w[key])

    return state


def _open_sessions(key: str) -> Callable[[dict], object]:
    return lambda w: len(w["terneuzen"].node.json("sessions", "list", "--user", w[key]))


def _credentials_set(key: str) -> Callable[[dict], object]:
    """The node records each setting of credentials; the log is the witness here (the
    credentials themselves are not readable, by design)."""

    def count(w: dict) -> object:
        records = w["terneuzen"].audit("--limit", "100000")
        return sum(
            1
            for r in records
            if r["action"] == "session.credentials_set" and r.get("object_id") == w[key]
        )

    return count


TABLE: dict[tuple[str, str], Row] = {
    # The alert page itself holds no data (its rows come over the stream): the console
    # shows it to the roles that may watch, the stream is the node's to refuse.
    ("GET", "/alerts"): Row(WATCHERS, None, lambda w: "/alerts"),
    ("GET", "/alerts/events"): Row(
        WATCHERS, "alerts.watch", lambda w: "/alerts/events", stream=True
    ),
    ("GET", "/alerts/{hit_id}"): Row(HIT_READERS, "hits.read", lambda w: f"/alerts/{w['hit']}"),
    ("GET", "/hits"): Row(HIT_READERS, "hits.read", lambda w: "/hits"),
    ("GET", "/hits/{hit_id}"): Row(HIT_READERS, "hits.read", lambda w: f"/hits/{w['hit']}"),
    ("POST", "/hits/{hit_id}/confirm"): Row(
        INVESTIGATOR,
        "confirm.manage",
        lambda w: f"/hits/{w['hit']}/confirm",
        lambda w: {
            "kind": "alert",
            "purpose": "criminal_investigation",
            "case_reference": "PV-TNZ-ROLES",
        },
    ),
    ("GET", "/confirmations"): Row(CONFIRM_READERS, "confirm.read", lambda w: "/confirmations"),
    ("GET", "/confirmations/{request_id}"): Row(
        CONFIRM_READERS, "confirm.read", lambda w: f"/confirmations/{w['to_answer']}"
    ),
    ("GET", "/confirmations/{request_id}/status"): Row(
        CONFIRM_READERS, "confirm.read", lambda w: f"/confirmations/{w['to_answer']}/status"
    ),
    ("POST", "/confirmations/{request_id}/answer"): Row(
        INVESTIGATOR,
        "confirm.manage",
        lambda w: f"/confirmations/{w['to_answer']}/answer",
        lambda w: {"note": "seen as notified"},
        unchanged=_request_state("to_answer"),
    ),
    ("POST", "/confirmations/{request_id}/refuse"): Row(
        INVESTIGATOR,
        "confirm.manage",
        lambda w: f"/confirmations/{w['to_refuse']}/refuse",
        lambda w: {"reason": "no legal basis stated"},
        unchanged=_request_state("to_refuse"),
    ),
    ("POST", "/confirmations/{request_id}/withdraw"): Row(
        INVESTIGATOR,
        "confirm.manage",
        lambda w: f"/confirmations/{w['to_withdraw']}/withdraw",
        lambda w: {"reason": "asked by mistake"},
        unchanged=_request_state("to_withdraw"),
    ),
    ("GET", "/agreements"): Row(AGREEMENT_READERS, "agreement.read", lambda w: "/agreements"),
    ("POST", "/agreements"): Row(
        ADMIN,
        "agreement.manage",
        lambda w: "/agreements",
        lambda w: {
            **DEFAULTS,
            "partner": "be-gent",
            "justification": "roles test",
        },
    ),
    ("GET", "/agreements/new"): Row(
        frozenset({"admin", "auditor"}), "partner.read", lambda w: "/agreements/new"
    ),
    ("GET", "/agreements/{agreement_id}"): Row(
        AGREEMENT_READERS, "agreement.read", lambda w: f"/agreements/{w['shared']}"
    ),
    ("POST", "/agreements/{agreement_id}/accept"): Row(
        ADMIN,
        {"operator": "agreement.read", "*": "agreement.manage"},
        lambda w: f"/agreements/{w['proposed']}/accept",
        lambda w: {"partner_fingerprint": w["proposed_fingerprint"], "version": "1"},
        unchanged=_agreement_state("proposed"),
    ),
    ("POST", "/agreements/{agreement_id}/status"): Row(
        ADMIN,
        "agreement.manage",
        lambda w: f"/agreements/{w['to_suspend']}/status",
        lambda w: {"kind": "suspend", "reason": "roles test"},
        unchanged=_agreement_state("to_suspend"),
    ),
    ("GET", "/agreements/{agreement_id}/amend"): Row(
        AGREEMENT_READERS, "agreement.read", lambda w: f"/agreements/{w['to_amend']}/amend"
    ),
    ("POST", "/agreements/{agreement_id}/amend"): Row(
        ADMIN,
        {"operator": "agreement.read", "*": "agreement.manage"},
        lambda w: f"/agreements/{w['to_amend']}/amend",
        lambda w: {**DEFAULTS, "justification": "roles test"},
        unchanged=lambda w: [
            a["version"]
            for a in w["terneuzen"].node.json("agreement", "list")
            if a["agreement_id"] == w["to_amend"]
        ],
    ),
    ("GET", "/agreements/{agreement_id}/versions"): Row(
        AGREEMENT_READERS, "agreement.read", lambda w: f"/agreements/{w['shared']}/versions"
    ),
    ("GET", "/partners"): Row(PARTNER_READERS, "partner.read", lambda w: "/partners"),
    ("GET", "/users"): Row(ADMIN, "user.manage", lambda w: "/users"),
    ("GET", "/users/{name}"): Row(ADMIN, "user.manage", lambda w: f"/users/{w['target']}"),
    ("POST", "/users/{name}/sessions/end"): Row(
        ADMIN,
        "user.manage",
        lambda w: f"/users/{w['target']}/sessions/end",
        lambda w: {"justification": "roles test"},
        unchanged=_open_sessions("target"),
    ),
    ("POST", "/users/{name}/credentials"): Row(
        ADMIN,
        "user.manage",
        lambda w: f"/users/{w['target']}/credentials",
        lambda w: {
            "password": "roles-test-password",
            "password_again": "roles-test-password",
            "new_totp_secret": "yes",
        },
        unchanged=_credentials_set("target"),
    ),
    ("POST", "/users/{name}/state"): Row(
        ADMIN,
        "user.manage",
        lambda w: f"/users/{w['target']}/state",
        lambda w: {"kind": "disable", "justification": "roles test"},
        unchanged=_user_state("target"),
    ),
    ("GET", "/audit"): Row(AUDITORS, "audit.read", lambda w: "/audit"),
    ("GET", "/audit/stats"): Row(AUDITORS, "audit.read", lambda w: "/audit/stats"),
    ("GET", "/audit/object/{object_type}/{object_id:path}"): Row(
        AUDITORS, "audit.read", lambda w: f"/audit/object/agreement/{w['shared']}"
    ),
    ("POST", "/audit/verify"): Row(AUDITORS, "audit.read", lambda w: "/audit/verify"),
}


def _entry_state(key: str) -> Callable[[dict], object]:
    def state(w: dict) -> object:
        shown = w["terneuzen"].node.json("hotlist", "show", w[key], token_file=w["ines"])
        return shown["status"], shown["version"]

    return state


def _own_plates(w: dict) -> list[str]:
    listed = w["terneuzen"].node.json("hotlist", "list", "--limit", "10000", token_file=w["ines"])
    return sorted(e["plate_normalised"] for e in listed)


def _candidate_state(key: str) -> Callable[[dict], object]:
    def state(w: dict) -> object:
        shown = w["terneuzen"].node.json("isc", "candidates", "show", w[key], token_file=w["ines"])
        return shown["state"]

    return state


def _entry_form(plate: str) -> Callable[[dict], dict[str, str]]:
    return lambda w: {
        "plate": plate,
        "country": "B",
        "category": "stolen_vehicle",
        "action": "discreet_check",
        "case_reference": "PV-TNZ-ROLES",
        "expires_at": review_day(),
        "justification": "roles test",
    }


def _import_csv(plate: str) -> str:
    return csv_of(f"{plate},B,stolen_vehicle,report_only,{review_day()},PV-TNZ-ROLES")


def _promotion(w: dict) -> dict[str, str]:
    return {
        "category": "stolen_vehicle",
        "action": "specific_check",
        "purpose": "criminal_investigation",
        "case_reference": "PV-TNZ-ROLES",
        "expires_at": review_day(),
        "justification": "roles test",
    }


TABLE.update(
    {
        # The investigator's own hotlist, its import and the ISC candidates. The form
        # pages without data are the console's shortcut (nothing of the node's to
        # refuse); everything else is the node's to refuse and record.
        ("GET", "/entries"): Row(HOTLIST_READERS, "hotlist.read", lambda w: "/entries"),
        ("POST", "/entries"): Row(
            INVESTIGATOR,
            "hotlist.manage",
            lambda w: "/entries",
            _entry_form("1-ROL-599"),
            unchanged=_own_plates,
        ),
        ("GET", "/entries/new"): Row(INVESTIGATOR, None, lambda w: "/entries/new"),
        ("GET", "/entries/import"): Row(INVESTIGATOR, None, lambda w: "/entries/import"),
        ("POST", "/entries/import/preview"): Row(
            INVESTIGATOR,
            "hotlist.manage",
            lambda w: "/entries/import/preview",
            files=lambda w: {"file": ("roles.csv", _import_csv("1-ROL-598").encode())},
        ),
        ("POST", "/entries/import"): Row(
            INVESTIGATOR,
            "hotlist.manage",
            lambda w: "/entries/import",
            lambda w: {
                "csv": _import_csv("1-ROL-597"),
                "source": "roles.csv",
                "justification": "roles test",
            },
            unchanged=_own_plates,
        ),
        ("GET", "/entries/{entry_id}"): Row(
            HOTLIST_READERS, "hotlist.read", lambda w: f"/entries/{w['own_entry']}"
        ),
        ("GET", "/entries/{entry_id}/edit"): Row(
            INVESTIGATOR, None, lambda w: f"/entries/{w['own_entry']}/edit"
        ),
        ("POST", "/entries/{entry_id}"): Row(
            INVESTIGATOR,
            # The page reads the entry first: an auditor may, and is refused the change.
            {"auditor": "hotlist.manage", "*": "hotlist.read"},
            lambda w: f"/entries/{w['own_entry']}",
            _entry_form("1-ROL-596"),
            unchanged=_entry_state("own_entry"),
        ),
        ("POST", "/entries/{entry_id}/withdraw"): Row(
            INVESTIGATOR,
            "hotlist.manage",
            lambda w: f"/entries/{w['entry_to_withdraw']}/withdraw",
            lambda w: {"justification": "roles test"},
            unchanged=_entry_state("entry_to_withdraw"),
        ),
        ("GET", "/isc/candidates"): Row(ISC_READERS, "isc.read", lambda w: "/isc/candidates"),
        ("GET", "/isc/candidates/{candidate_id}"): Row(
            ISC_READERS, "isc.read", lambda w: f"/isc/candidates/{w['candidate']}"
        ),
        ("POST", "/isc/candidates/{candidate_id}/promote"): Row(
            INVESTIGATOR,
            "isc.promote",
            lambda w: f"/isc/candidates/{w['to_promote']}/promote",
            _promotion,
            unchanged=_candidate_state("to_promote"),
        ),
        ("POST", "/isc/candidates/{candidate_id}/dismiss"): Row(
            INVESTIGATOR,
            "isc.promote",
            lambda w: f"/isc/candidates/{w['to_dismiss']}/dismiss",
            lambda w: {"reason": "roles test"},
            unchanged=_candidate_state("to_dismiss"),
        ),
    }
)

# The core's placeholder homes: one page per role, no data, a console shortcut.
PLACEHOLDERS = {("GET", f"/{role}") for role in ROLES}


def _mounted() -> set[tuple[str, str]]:
    found = set()
    for route in screens.ROUTES:
        assert isinstance(route, Route), route
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_screen_route_has_a_row_in_the_role_table():
    assert _mounted() - PLACEHOLDERS == set(TABLE)


@pytest.fixture(scope="module")
def world(ports):
    """What the routes act on, made through the CLI at both nodes."""
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    gent_iris = gent.node.home / "iris.token"
    ines = terneuzen.node.home / "iris.token"

    def agree(*extra: str) -> str:
        proposed = gent.node.json(
            "agreement",
            "propose",
            "--partner",
            "nl-terneuzen",
            "--direction",
            "proposer_to_partner",
            "--justification",
            "roles test",
            *extra,
        )
        return proposed["agreement_id"]

    def accept(agreement_id: str) -> str:
        terneuzen.node.argos(
            "agreement", "accept", agreement_id, "--justification", "compared by phone"
        )
        return agreement_id

    shared = accept(agree("--categories", "stolen_vehicle"))
    to_amend = accept(agree("--categories", "stolen_plate"))
    to_suspend = accept(agree("--categories", "wanted_person"))
    proposed = gent.node.json(
        "agreement",
        "propose",
        "--partner",
        "nl-terneuzen",
        "--categories",
        "missing_person",
        "--justification",
        "roles test",
    )
    entry_id = add_entry(gent.node, gent_iris, "1-ROL-401", "B")
    wait_until(lambda: entry_id in received(terneuzen.node, shared), what="the entry to sync")
    camera = terneuzen.node.add_user("cam", "adapter")
    (hit,) = submit_reads(terneuzen.node, camera, camera_read("1ROL401"))
    wait_until(
        lambda: any(
            h["hit_id"] == hit for h in gent.node.json("hits", "list", token_file=gent_iris)
        ),
        what="Gent to hold the notified hit",
    )

    def ask(node, token, kind: str) -> str:
        asked = node.json(
            "confirm",
            "request",
            "--kind",
            kind,
            "--hit",
            hit,
            "--purpose",
            "criminal_investigation",
            "--case-reference",
            "PV-ROLES",
            token_file=token,
        )
        return asked["request"]["request_id"]

    to_answer, to_refuse = (
        ask(gent.node, gent_iris, "details"),
        ask(gent.node, gent_iris, "details"),
    )
    to_withdraw = ask(terneuzen.node, ines, "alert")
    for request_id in (to_answer, to_refuse):
        wait_until(
            lambda rid=request_id: (
                terneuzen.node.argos(
                    "confirm", "show", rid, token_file=ines, check=False
                ).returncode
                == 0
            ),
            what="Gent's request to arrive",
        )
    # Whose sessions, credentials and access the /users rows act on: a person of their
    # own, signed in once so there is a session to end.
    target = terneuzen.new_person("operator")
    signed = ConsoleClient(terneuzen, "192.0.2.39")
    try:
        assert signed.sign_in(target).status == 303
    finally:
        signed.close()
    own_entry = add_entry(terneuzen.node, ines, "1-ROL-595", "B")
    entry_to_withdraw = add_entry(terneuzen.node, ines, "1-ROL-594", "B")
    return {
        "own_entry": own_entry,
        "entry_to_withdraw": entry_to_withdraw,
        "candidate": put_candidate(terneuzen.node, "1-ROL-593", "BE"),
        "to_promote": put_candidate(terneuzen.node, "1-ROL-592", "BE"),
        "to_dismiss": put_candidate(terneuzen.node, "1-ROL-591", "BE"),
        "terneuzen": terneuzen,
        "target": target.user,
        "ines": ines,
        "hit": hit,
        "shared": shared,
        "to_amend": to_amend,
        "to_suspend": to_suspend,
        "proposed": proposed["agreement_id"],
        "proposed_fingerprint": proposed["fingerprint"],
        "to_answer": to_answer,
        "to_refuse": to_refuse,
        "to_withdraw": to_withdraw,
    }


def _stream_status(client: ConsoleClient, path: str) -> int:
    """Open an event stream, take its status and first bytes, and hang up."""
    headers = {"cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    with client.http.stream("GET", path, headers=headers) as response:
        if response.status_code == 200:
            assert response.headers["content-type"].startswith("text/event-stream")
            first = next(response.iter_raw())
            assert first.startswith(b"retry:")
        return response.status_code


def _refused_as(row: Row, role: str) -> str | None:
    if isinstance(row.refused_as, dict):
        return row.refused_as.get(role, row.refused_as["*"])
    return row.refused_as


def _denials(port: Port) -> Counter:
    return Counter(
        (r["actor"], r["object_id"])
        for r in port.audit("--limit", "100000")
        if r["action"] == "access.denied"
    )


def test_each_role_may_do_what_the_node_allows_and_nothing_else(world, ports):
    terneuzen = ports["nl-terneuzen"]
    clients: dict[str, ConsoleClient] = {}
    people = {}
    for number, role in enumerate(ROLES):
        person = terneuzen.new_person(role)
        client = ConsoleClient(terneuzen, f"192.0.2.{40 + number}")
        assert client.sign_in(person).status == 303
        clients[role], people[role] = client, person
    expected: Counter = Counter()
    before = _denials(terneuzen)
    try:
        for (method, _), row in TABLE.items():
            path = row.path(world)
            state = row.unchanged(world) if row.unchanged else None
            # Refused roles first: what they tried must leave everything as it was.
            for role in sorted(ROLES, key=lambda r: r in row.allowed):
                client = clients[role]
                if row.stream:
                    status = _stream_status(client, path)
                elif method == "GET":
                    status = client.get(path).status
                elif row.files:
                    data = {**row.form(world), "csrf_token": client.csrf_token()}
                    status = client.request("POST", path, data=data, files=row.files(world)).status
                else:
                    status = client.post(path, row.form(world)).status
                if role in row.allowed:
                    assert status in (200, 303), (method, path, role, status)
                    continue
                assert status == 403, (method, path, role, status)
                if row.refused_as is not None:
                    expected[(people[role].user, _refused_as(row, role))] += 1
                if row.unchanged:
                    assert row.unchanged(world) == state, (method, path, role)
    finally:
        for client in clients.values():
            client.close()
    recorded = _denials(terneuzen) - before
    missing = expected - recorded
    assert not missing, f"refusals not in the node's audit log: {dict(missing)}"


def _events(
    client: ConsoleClient, path: str, headers: dict[str, str], until: Callable[[list], bool]
) -> list:
    """Events of a stream as (id, event, data) until `until` says so, then hang up."""
    headers = {**headers, "cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    found: list[tuple[int, str, dict]] = []
    with client.http.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.status_code
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line == "":
                if "event" in fields:
                    found.append(
                        (int(fields.get("id", 0)), fields["event"], json.loads(fields["data"]))
                    )
                    if until(found):
                        return found
                fields = {}
            elif not line.startswith(":") and ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
    return found


def test_a_stream_resumes_after_the_browsers_last_event_id(world, ports):
    """What EventSource does by itself on reconnecting: the Last-Event-ID header (before
    any ?after=) is the cursor, and the node replays what came after it, once."""
    terneuzen = ports["nl-terneuzen"]
    camera = terneuzen.node.home / "cam.token"
    first = submit_reads(terneuzen.node, camera, camera_read("1ROL401", camera="cam-r1"))
    second = submit_reads(terneuzen.node, camera, camera_read("1ROL401", camera="cam-r2"))
    client = ConsoleClient(terneuzen, "192.0.2.60")
    try:
        assert client.sign_in(terneuzen.new_person("operator")).status == 303
        wanted = {first[0], second[0]}

        def both(found: list) -> bool:
            return wanted <= {e[2].get("hit_id") for e in found if e[1] == "alert"}

        alerts = [e for e in _events(client, "/alerts/events?after=0", {}, both) if e[1] == "alert"]
        positions = {e[2]["hit_id"]: e[0] for e in alerts}
        assert first[0] in positions and second[0] in positions
        resumed = _events(
            client,
            "/alerts/events?after=0",
            {"last-event-id": str(positions[first[0]])},
            lambda found: any(e[1] == "alert" for e in found),
        )
        resumed = [e for e in resumed if e[1] == "alert"]
        assert resumed[0][1] == "alert"
        assert resumed[0][0] > positions[first[0]]
        replayed = [e[2]["hit_id"] for e in alerts if e[0] > positions[first[0]]]
        assert resumed[0][2]["hit_id"] == replayed[0]
        assert first[0] not in [r[2]["hit_id"] for r in resumed]
        # A cursor that is not a position is refused before any stream opens.
        bad = client.get("/alerts/events", headers={"last-event-id": "x"})
        assert bad.status == 400
    finally:
        client.close()
