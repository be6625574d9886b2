"""Attacks on the camera edge: a real `argos adapter run hikvision` process with TLS on
its listener, cameras configured with every way they can prove themselves, and a real
node behind it. Each attack is refused with a clear reason, counted on GET /health,
and leaves nothing behind: nothing spooled, quarantined or forwarded, no image, no hit,
the node's figures unchanged. Then: a camera cannot overwrite another's evidence
image, /health answers no "is this plate listed", one camera's flood does not keep the
others out, and guessing secrets from one address is slowed to a stop.

No stand-in anywhere: the cameras are HTTP clients on loopback (http.client, and
requests for HTTP Digest), with certificates from a camera CA made for this module."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from gateway.federation import LocalFederation, LocalNode
from tests.conftest import load_pki_generator
from tests.integration.adapter_support import (
    Answer,
    KeyCamera,
    client_tls,
    health,
    key_camera,
    push,
    run_adapter,
    secret_file,
    stop,
)
from tests.integration.hits_support import hits
from tests.integration.hotlist_support import add_entry, wait_until

SAMPLES = Path(__file__).parents[1] / "unit" / "vendor_samples"
LISTED = (SAMPLES / "hikvision_anpr.xml").read_bytes()  # 1ABC123, on Gent's own list
UNLISTED = LISTED.replace(b"1ABC123", b"9XYZ987")
XML = "application/xml"
BASIC_SECRET, DIGEST_SECRET = "hik-basic-secret-0123", "hik-digest-secret-0123"
REFUSED = ("refused_unauthenticated", "refused_forbidden", "refused_rate_limited")


@dataclass
class Edge:
    """The adapter process under attack and the node behind it."""

    gent: LocalNode
    ivan: Path
    entry_id: str
    port: int
    tls: ssl.SSLContext
    home: Path
    cameras: dict[str, KeyCamera]
    pki: Path

    def push(
        self,
        body: bytes,
        camera: str | None = None,
        *,
        content_type: str = XML,
        tls: ssl.SSLContext | None = None,
    ) -> Answer:
        """A push from `camera` (one with a key), or presenting nothing; over `tls` (a
        camera's own, with a client certificate) when given."""
        headers = self.cameras[camera].headers if camera else {}
        return push(self.port, body, content_type, tls=tls or self.tls, headers=headers)

    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def health(self) -> dict:
        return health(self.port, self.tls)

    def settled(self) -> dict:
        """Everything an attack must leave as it was, once the adapter has handed the
        node all it holds: the adapter's counts (but its refusals), its quarantine,
        its images, and the node's figures for it and its hits."""
        wait_until(lambda: self.health()["spooled"] == 0, what="the adapter's spool to empty")
        shown = self.health()
        status = self.gent.argos("status").stdout
        return {
            "adapter": {k: v for k, v in shown.items() if k not in REFUSED},
            "quarantine": sorted(p.name for p in (self.home / "quarantine").iterdir()),
            "images": sorted(p.name for p in (self.home / "images").iterdir()),
            "node": [line for line in status.splitlines() if line.startswith("adapter")],
            "hits": len(hits(self.gent, self.ivan, "--limit", "1000")),
        }

    def refused(self) -> dict[str, int]:
        shown = self.health()
        return {k: shown[k] for k in REFUSED}


@pytest.fixture(scope="module")
def camera_pki(tmp_path_factory) -> Path:
    """A CA for this port's cameras (one camera configured, one not), and a rogue CA
    that issued a certificate with the configured camera's name."""
    out = tmp_path_factory.mktemp("camera-pki")
    generator = load_pki_generator()
    generator.ensure_pki(out / "cameras", ["be-cam-axis-1", "be-cam-stray"], "Port Camera CA")
    generator.ensure_pki(out / "rogue", ["be-cam-axis-1"], "Rogue Camera CA")
    return out


@pytest.fixture(scope="module")
def edge(tmp_path_factory, certs, camera_pki):
    work = tmp_path_factory.mktemp("edge")
    federation = LocalFederation(work / "nodes", certs, ("be-gent",))
    federation.start()
    gent = federation["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    home = work / "adapter"
    secrets = home / "secrets"
    cameras = {name: key_camera(secrets, name) for name in ("kennedy-1", "kennedy-2", "fenced")}
    cameras["flood"] = key_camera(secrets, "flood")
    config = home / "hikvision.toml"
    config.write_text(
        f'node_socket = "{gent.home / "admin.sock"}"\n'
        f'token_file = "{gent.add_user("hik", "adapter")}"\n'
        'site = "kennedy-tunnel"\nlisten = "127.0.0.1:0"\n'
        # Every test here pushes from 127.0.0.1: the guessing limit has its own test.
        "refused_burst = 100000\n"
        "[tls]\n"
        f'cert_file = "{certs / "be-gent" / "cert.pem"}"\n'
        f'key_file = "{certs / "be-gent" / "key.pem"}"\n'
        f'client_ca_file = "{camera_pki / "cameras" / "ca.pem"}"\n'
        + cameras["kennedy-1"].toml()
        + cameras["kennedy-2"].toml()
        + cameras["fenced"].toml(allow_from=["192.0.2.0/24", "2001:db8::/32"])
        + cameras["flood"].toml(rate_per_s=0.001, burst=3)
        + "[cameras.hik-basic]\n"
        f'user = "hikbasic"\nsecret_file = "{secret_file(secrets, "basic", BASIC_SECRET)}"\n'
        "[cameras.hik-digest]\n"
        f'user = "hikdigest"\nhttp_auth = "digest"\n'
        f'secret_file = "{secret_file(secrets, "digest", DIGEST_SECRET)}"\n'
        '[cameras.axis-cert]\nclient_cert_name = "be-cam-axis-1"\n'
    )
    tls = client_tls(certs)
    process, port = run_adapter("hikvision", config, tls)
    try:
        yield Edge(gent, ivan, entry_id, port, tls, home, cameras, camera_pki)
    finally:
        stop(process)
        federation.stop()
    # Whatever was pushed, refused or not: no secret and no plate in what it logged.
    logged = "".join(p.read_text() for p in home.glob("hikvision.*.out"))
    for secret in (BASIC_SECRET, DIGEST_SECRET, *(c.secret for c in cameras.values())):
        assert secret not in logged
    assert "1ABC123" not in logged and "9XYZ987" not in logged


def _multipart(xml: bytes, images: dict[str, bytes]) -> tuple[bytes, str]:
    """A Hikvision multipart push: the event XML, then JPEG parts named by picture id."""
    boundary = "argos-edge-boundary"
    parts = [
        ({"Content-Type": "text/xml", "Content-Disposition": 'form-data; name="anpr.xml"'}, xml)
    ]
    for picture_id, data in images.items():
        disposition = f'form-data; name="{picture_id}"; filename="{picture_id}"'
        parts.append(({"Content-Type": "image/jpeg", "Content-Disposition": disposition}, data))
    body = b""
    for headers, content in parts:
        body += f"--{boundary}\r\n".encode()
        body += "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n"
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _jpeg(tag: bytes) -> bytes:
    return b"\xff\xd8\xff\xe0" + tag + b"\xff\xd9"


SCENE = "20240614160436120GNT1SCENE0001AA"  # the sample's overview picture id
PLATE = "20240614160436120GNT1PLATE0001AA"


# -- who may push -------------------------------------------------------------------------


def test_a_push_without_credentials_is_refused_401_and_leaves_nothing_behind(edge):
    before, refused = edge.settled(), edge.refused()
    answer = edge.push(LISTED)
    assert answer.status == 401
    assert answer.body == {
        "error": "no camera credentials: HTTP Basic or Digest, the camera's secret header, "
        "or a client certificate"
    }
    assert "Digest realm=" in answer.headers["WWW-Authenticate"]
    assert edge.refused()["refused_unauthenticated"] == refused["refused_unauthenticated"] + 1
    assert edge.settled() == before  # nothing spooled or quarantined, no hit, node unchanged


def test_a_wrong_secret_is_refused_401_whichever_way_the_camera_proves_itself(edge, certs):
    before, refused = edge.settled(), edge.refused()
    wrong_key = {"X-Argos-Camera-Key": edge.cameras["kennedy-1"].secret + "x"}
    answers = [push(edge.port, LISTED, XML, tls=edge.tls, headers=wrong_key)]
    for auth in (
        HTTPBasicAuth("hikbasic", "not-the-secret-0123"),
        HTTPBasicAuth("nobody", BASIC_SECRET),
        HTTPDigestAuth("hikdigest", "not-the-secret-0123"),
        HTTPDigestAuth("nobody", DIGEST_SECRET),
    ):
        response = requests.post(
            edge.url(),
            data=LISTED,
            headers={"Content-Type": XML},
            auth=auth,
            verify=str(certs / "ca.pem"),
            timeout=10,
        )
        answers.append(Answer(response.status_code, response.json()))
    assert [(a.status, a.body["error"]) for a in answers] == [
        (401, "unknown camera or wrong secret")
    ] * 5
    # The Digest clients asked first and were challenged: 401s as well, counted too.
    assert edge.refused()["refused_unauthenticated"] == refused["refused_unauthenticated"] + 7
    assert edge.settled() == before


def test_a_replayed_digest_answer_is_refused(edge, certs):
    session = requests.Session()
    session.auth = HTTPDigestAuth("hikdigest", DIGEST_SECRET)
    first = session.post(
        edge.url(), data=UNLISTED, headers={"Content-Type": XML}, verify=str(certs / "ca.pem")
    )
    assert first.status_code == 200
    before = edge.settled()
    captured = first.request.headers["Authorization"]  # as an eavesdropper would replay it
    replayed = push(edge.port, UNLISTED, XML, tls=edge.tls, headers={"Authorization": captured})
    assert (replayed.status, replayed.body["error"]) == (
        401,
        "a Digest answer already used (replayed)",
    )
    assert edge.settled() == before


def test_each_camera_is_admitted_the_way_it_is_configured(edge, certs):
    before = edge.settled()
    ca = str(certs / "ca.pem")
    camera_ca = edge.pki / "cameras"
    answers = [
        edge.push(UNLISTED, "kennedy-1"),
        edge.push(UNLISTED, tls=client_tls(certs, identity=camera_ca / "be-cam-axis-1")),
        Answer(
            (
                r := requests.post(
                    edge.url(),
                    data=UNLISTED,
                    headers={"Content-Type": XML},
                    auth=HTTPBasicAuth("hikbasic", BASIC_SECRET),
                    verify=ca,
                    timeout=10,
                )
            ).status_code,
            r.json(),
        ),
    ]
    digest = requests.Session()
    digest.auth = HTTPDigestAuth("hikdigest", DIGEST_SECRET)
    for _ in range(3):  # the nonce is kept and counted up, request after request
        r = digest.post(
            edge.url(), data=UNLISTED, headers={"Content-Type": XML}, verify=ca, timeout=10
        )
        answers.append(Answer(r.status_code, r.json()))
    assert [(a.status, a.body) for a in answers] == [(200, {"accepted": 1, "ignored": 0})] * 6
    after = edge.settled()
    assert after["adapter"]["reads"] == before["adapter"]["reads"] + 6
    assert after["hits"] == before["hits"]  # a plate on no list: no hit


def test_a_client_certificate_from_another_ca_or_of_no_configured_camera_is_refused(edge, certs):
    before, refused = edge.settled(), edge.refused()
    rogue = client_tls(certs, identity=edge.pki / "rogue" / "be-cam-axis-1")
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
        edge.push(LISTED, tls=rogue)  # refused in the handshake: no HTTP at all
    stray = edge.push(LISTED, tls=client_tls(certs, identity=edge.pki / "cameras" / "be-cam-stray"))
    assert (stray.status, stray.body["error"]) == (
        401,
        "the client certificate names no camera of this adapter",
    )
    assert edge.refused()["refused_unauthenticated"] == refused["refused_unauthenticated"] + 1
    assert edge.settled() == before


def test_the_right_secret_from_an_address_the_camera_may_not_use_is_refused_403(edge):
    before, refused = edge.settled(), edge.refused()
    answer = edge.push(LISTED, "fenced")  # allowed from 192.0.2.0/24 only, pushed from loopback
    assert (answer.status, answer.body["error"]) == (
        403,
        "camera fenced may not push from this address",
    )
    assert edge.refused()["refused_forbidden"] == refused["refused_forbidden"] + 1
    assert edge.settled() == before


def test_plain_http_to_the_listener_gets_no_answer_and_leaves_nothing(edge):
    before = edge.settled()
    connection = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=10)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.request(
            "POST", "/", LISTED, {"Content-Type": XML, **edge.cameras["kennedy-1"].headers}
        )
        connection.getresponse().read()
    connection.close()
    assert edge.settled() == before


# -- what a camera that may push still cannot do ------------------------------------------


def test_a_camera_reusing_another_cameras_picture_id_cannot_overwrite_its_image(edge):
    """kennedy-1's read of a listed car comes with its pictures; then kennedy-2, and
    kennedy-1 itself, push the same event with the same picture ids and other bytes.
    Every image is kept beside the others, and the hit still points at the first."""
    original = {SCENE: _jpeg(b"kennedy-1 scene"), PLATE: _jpeg(b"kennedy-1 plate")}
    hits_before = edge.settled()["hits"]
    body, content_type = _multipart(LISTED, original)
    assert edge.push(body, "kennedy-1", content_type=content_type).status == 200
    found = wait_until(
        lambda: len(h := hits(edge.gent, edge.ivan, "--limit", "1000")) > hits_before and h,
        what="kennedy-1's hit",
    )
    (first_hit,) = [h for h in found if h.get("image_ref", "").startswith("img-")][-1:]
    images = edge.home / "images"
    assert (images / first_hit["image_ref"]).read_bytes() == original[SCENE]
    kept_before = {p.name: p.read_bytes() for p in images.iterdir()}

    for camera in ("kennedy-2", "kennedy-1"):
        forged = {SCENE: _jpeg(camera.encode() + b" forged scene"), PLATE: _jpeg(b"forged")}
        body, content_type = _multipart(LISTED, forged)
        assert edge.push(body, camera, content_type=content_type).status == 200

    kept_after = {p.name: p.read_bytes() for p in images.iterdir()}
    assert {n: kept_after[n] for n in kept_before} == kept_before  # nothing overwritten
    assert len(kept_after) == len(kept_before) + 4  # each forged picture, of each camera
    assert SCENE not in "".join(kept_after) and PLATE not in "".join(kept_after)
    assert (images / first_hit["image_ref"]).read_bytes() == original[SCENE]


def test_health_answers_no_is_this_plate_listed(edge):
    """The same push of a listed and of an unlisted plate changes GET /health alike:
    nothing there tells them apart."""
    changes = []
    for body in (LISTED, UNLISTED):
        before = edge.settled()["adapter"]
        assert edge.push(body, "kennedy-2").status == 200
        after = edge.settled()["adapter"]
        changes.append({k: after[k] - before[k] for k in after if isinstance(after[k], int)})
    assert changes[0] == changes[1]
    assert not [key for key in edge.health() if "hit" in key]


def test_a_flood_from_one_camera_gets_429_while_another_camera_still_gets_200(edge):
    """flood may push 3 at once and then one every 1000 s."""
    before, refused = edge.settled(), edge.refused()
    answers = [edge.push(UNLISTED, "flood") for _ in range(8)]
    assert [a.status for a in answers] == [200] * 3 + [429] * 5
    assert answers[-1].body["error"] == "camera flood pushes faster than it may; retry later"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert edge.push(UNLISTED, "kennedy-1").status == 200
    assert edge.refused()["refused_rate_limited"] == refused["refused_rate_limited"] + 5
    after = edge.settled()
    assert after["adapter"]["reads"] == before["adapter"]["reads"] + 4  # none of the 429s


# -- an adapter of its own: guessing, and who may read /health ------------------------------


def test_guessing_secrets_from_one_address_is_slowed_to_429_even_for_the_right_secret(
    tmp_path, certs
):
    camera = key_camera(tmp_path / "secrets", "gate-1")
    config = tmp_path / "hikvision.toml"
    (tmp_path / "hik.token").write_text("not-used-here\n")
    config.write_text(
        'node_socket = "nowhere.sock"\ntoken_file = "hik.token"\nsite = "s"\n'
        'listen = "127.0.0.1:0"\nrefused_burst = 3\nrefused_rate_per_s = 0.001\n'
        'health_allow_from = ["127.0.0.0/8"]\n'
        f'[tls]\ncert_file = "{certs / "be-gent" / "cert.pem"}"\n'
        f'key_file = "{certs / "be-gent" / "key.pem"}"\n' + camera.toml()
    )
    tls = client_tls(certs)
    process, port = run_adapter("hikvision", config, tls)
    try:
        guesses = [
            push(port, UNLISTED, XML, tls=tls, headers={"X-Argos-Camera-Key": f"guess-{i:012d}"})
            for i in range(5)
        ]
        assert [g.status for g in guesses] == [401, 401, 401, 429, 429]
        assert guesses[-1].body["error"] == "too many refused pushes from this address; retry later"
        right = push(port, UNLISTED, XML, tls=tls, headers=camera.headers)
        assert right.status == 429  # the right secret too, from this address, for now
        shown = health(port, tls)
        assert (shown["refused_unauthenticated"], shown["refused_rate_limited"]) == (3, 3)
        assert (shown["received"], shown["spooled"]) == (0, 0)
    finally:
        stop(process)


def test_health_is_refused_to_addresses_it_is_not_shown_to(tmp_path, certs):
    camera = key_camera(tmp_path / "secrets", "gate-1")
    config = tmp_path / "hikvision.toml"
    (tmp_path / "hik.token").write_text("not-used-here\n")
    config.write_text(
        'node_socket = "nowhere.sock"\ntoken_file = "hik.token"\nsite = "s"\n'
        'listen = "127.0.0.1:0"\nhealth_allow_from = ["192.0.2.10"]\n'
        f'[tls]\ncert_file = "{certs / "be-gent" / "cert.pem"}"\n'
        f'key_file = "{certs / "be-gent" / "key.pem"}"\n' + camera.toml()
    )
    tls = client_tls(certs)
    process, port = run_adapter("hikvision", config, tls, check_health=False)
    try:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
        connection.request("GET", "/health")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (
            403,
            {"error": "GET /health is served to health_allow_from only"},
        )
        connection.close()
        assert push(port, UNLISTED, XML, tls=tls, headers=camera.headers).status == 200
    finally:
        stop(process)


def test_a_camera_reconnecting_resumes_its_tls_session_and_stays_who_it_was(edge, certs):
    """The listener hands out session tickets: a camera that reconnects skips the full
    handshake, and a camera known by its client certificate is still that camera on
    the resumed session (the certificate travels in the session, not anew)."""
    tls = client_tls(certs, identity=edge.pki / "cameras" / "be-cam-axis-1")
    session = None
    for attempt in ("first", "resumed"):
        connection = http.client.HTTPSConnection("127.0.0.1", edge.port, timeout=10, context=tls)
        connection.sock = tls.wrap_socket(
            socket.create_connection(("127.0.0.1", edge.port), 10),
            server_hostname="127.0.0.1",
            session=session,
        )
        answer = push(edge.port, UNLISTED, XML, tls=tls, connection=connection)
        assert answer.status == 200, attempt
        assert connection.sock.session_reused == (attempt == "resumed")
        session = connection.sock.session
        connection.close()
