"""The camera edge's rules without a listener: the gate's decisions (adapters/edge/gate.py,
rules 1-5), Digest (adapters/edge/digest.py, rules 1-6), token buckets, the settings and
secret files, and the names evidence images are kept under. The same attacks against a
real adapter process: tests/integration/test_adapter_edge.py."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from multidict import CIMultiDict

from adapters.edge.credentials import CameraRegistry
from adapters.edge.digest import NONCE_LIFETIME_S, REALM, DigestVerifier, Outcome, parse_params
from adapters.edge.gate import CameraGate, Knock, Refusal
from adapters.edge.rate_limit import RateLimits, retry_after
from adapters.edge.settings import CameraSettings, EdgeSettings
from adapters.evidence import image_ref, keep_images
from adapters.runtime import AdapterConfig, vendor_parser
from gateway.domain.errors import InvalidInput

SECRET = "camera-secret-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _secret(tmp_path: Path, name: str, secret: str = SECRET, mode: int = 0o600) -> Path:
    path = tmp_path / f"{name}.secret"
    path.write_text(secret + "\n")
    path.chmod(mode)
    return path


def _gate(tmp_path: Path, clock: Clock, **cameras: CameraSettings) -> CameraGate:
    settings = EdgeSettings(allow_plain_http=True, refused_burst=3, cameras=cameras)
    return CameraGate(settings, CameraRegistry.load(settings), clock=clock)


def _knock(headers: dict[str, str] | None = None, peer: str = "10.0.0.5", **extra) -> Knock:
    return Knock(
        method=extra.get("method", "POST"),
        target=extra.get("target", "/"),
        headers=CIMultiDict(headers or {}),
        peer=peer,
        peer_certificate=extra.get("certificate"),
    )


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _certificate(*names: str) -> dict:
    """A verified client certificate as ssl's getpeercert() describes it."""
    return {
        "subject": ((("commonName", names[0]),),),
        "subjectAltName": tuple(("DNS", n) for n in names[1:]),
    }


# -- the gate -----------------------------------------------------------------------------


def test_a_push_presenting_nothing_is_challenged_401_and_not_held_against_its_address(
    tmp_path,
):
    clock = Clock()
    gate = _gate(
        tmp_path,
        clock,
        cam=CameraSettings(user="cam", secret_file=_secret(tmp_path, "cam")),
        dig=CameraSettings(user="dig", http_auth="digest", secret_file=_secret(tmp_path, "d")),
    )
    for _ in range(10):  # more than refused_burst: a Digest client asks first, every time
        refusal = gate.admit(_knock())
        assert isinstance(refusal, Refusal) and refusal.status == 401
    assert "no camera credentials" in refusal.reason
    offered = [value for name, value in refusal.headers if name == "WWW-Authenticate"]
    assert offered[0].startswith(f'Digest realm="{REALM}", qop="auth", algorithm=SHA-256')
    assert offered[1] == f'Basic realm="{REALM}", charset="UTF-8"'
    assert gate.admit(_knock(_basic("cam", SECRET))) == "cam"
    assert gate.counts["refused_unauthenticated"] == 10


@pytest.mark.parametrize(
    "headers",
    [
        _basic("cam", "wrong-secret-0123456789"),
        _basic("nobody", SECRET),
        {"Authorization": "Basic !!not base64!!"},
        {"Authorization": "Bearer " + SECRET},
        {"X-Camera-Key": "wrong-secret-0123456789"},
    ],
    ids=["wrong password", "unknown user", "malformed", "other scheme", "wrong key"],
)
def test_a_wrong_secret_is_refused_401_and_counted_against_its_address(tmp_path, headers):
    clock = Clock()
    gate = _gate(
        tmp_path,
        clock,
        cam=CameraSettings(user="cam", secret_file=_secret(tmp_path, "cam")),
        key=CameraSettings(
            secret_header="X-Camera-Key", secret_file=_secret(tmp_path, "k", "k" * 20)
        ),
    )
    refusals = [gate.admit(_knock(headers)) for _ in range(3)]
    assert {(r.status, r.counted_as) for r in refusals} == {(401, "refused_unauthenticated")}
    # Rule 1: the address has used up its refusals; now even the right secret waits.
    over = gate.admit(_knock(_basic("cam", SECRET)))
    assert isinstance(over, Refusal) and over.status == 429
    assert dict(over.headers)["Retry-After"] == "1"
    assert gate.admit(_knock(_basic("cam", SECRET), peer="10.0.0.6")) == "cam"  # others not
    clock.now += 1.0  # refused_rate_per_s = 1: one more try a second
    assert gate.admit(_knock(_basic("cam", SECRET))) == "cam"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(tmp_path):
    gate = _gate(
        tmp_path, Clock(), cam=CameraSettings(user="cam", secret_file=_secret(tmp_path, "c"))
    )
    unknown = gate.admit(_knock(_basic("nobody", SECRET)))
    wrong = gate.admit(_knock(_basic("cam", "wrong-secret-0123456789"), peer="10.0.0.9"))
    assert isinstance(unknown, Refusal) and isinstance(wrong, Refusal)
    assert (unknown.status, unknown.reason) == (wrong.status, wrong.reason)


def test_a_basic_camera_cannot_log_in_with_digest_nor_a_digest_camera_with_basic(tmp_path):
    gate = _gate(
        tmp_path,
        Clock(),
        dig=CameraSettings(user="dig", http_auth="digest", secret_file=_secret(tmp_path, "d")),
    )
    refusal = gate.admit(_knock(_basic("dig", SECRET)))
    assert isinstance(refusal, Refusal) and refusal.status == 401


def test_a_camera_with_a_certificate_and_a_secret_must_present_both_and_as_one_camera(
    tmp_path,
):
    gate = _gate(
        tmp_path,
        Clock(),
        both=CameraSettings(
            secret_header="X-Camera-Key",
            secret_file=_secret(tmp_path, "both"),
            client_cert_name="cam-both",
        ),
        other=CameraSettings(client_cert_name="cam-other"),
    )
    key = {"X-Camera-Key": SECRET}
    assert gate.admit(_knock(key, certificate=_certificate("cam-both"))) == "both"
    assert gate.admit(_knock(certificate=_certificate("x", "cam-other"))) == "other"
    for i, (headers, certificate, reason) in enumerate(
        [
            (key, None, "must present its client certificate"),
            ({}, _certificate("cam-both"), "must present its password"),
            (key, _certificate("cam-other"), "not one camera's"),
            ({}, _certificate("cam-stray"), "names no camera"),
            ({}, _certificate("cam-both", "cam-other"), "more than one camera"),
        ]
    ):  # each from its own address: refused_burst is 3
        refusal = gate.admit(_knock(headers, peer=f"10.1.0.{i}", certificate=certificate))
        assert isinstance(refusal, Refusal) and refusal.status == 401
        assert reason in refusal.reason


def test_the_right_secret_from_outside_the_cameras_allow_from_is_refused_403(tmp_path):
    gate = _gate(
        tmp_path,
        Clock(),
        cam=CameraSettings(
            user="cam", secret_file=_secret(tmp_path, "c"), allow_from=["10.20.1.0/24"]
        ),
    )
    assert gate.admit(_knock(_basic("cam", SECRET), peer="10.20.1.7")) == "cam"
    assert gate.admit(_knock(_basic("cam", SECRET), peer="::ffff:10.20.1.8")) == "cam"
    refusal = gate.admit(_knock(_basic("cam", SECRET), peer="10.20.2.7"))
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.reason) == (403, "camera cam may not push from this address")
    assert gate.counts["refused_forbidden"] == 1


def test_each_camera_has_its_own_rate_and_an_answer_says_when_to_retry(tmp_path):
    clock = Clock()
    gate = _gate(
        tmp_path,
        clock,
        busy=CameraSettings(
            secret_header="X-Camera-Key",
            secret_file=_secret(tmp_path, "b"),
            rate_per_s=0.5,
            burst=2,
        ),
        calm=CameraSettings(
            secret_header="X-Camera-Key", secret_file=_secret(tmp_path, "c", "c" * 20)
        ),
    )
    busy, calm = _knock({"X-Camera-Key": SECRET}), _knock({"X-Camera-Key": "c" * 20})
    assert [gate.admit(busy) for _ in range(2)] == ["busy", "busy"]
    refusal = gate.admit(busy)
    assert isinstance(refusal, Refusal) and refusal.status == 429
    assert dict(refusal.headers)["Retry-After"] == "2"
    assert gate.admit(calm) == "calm"
    clock.now += 2.0
    assert gate.admit(busy) == "busy"


def test_health_is_shown_to_its_allowed_addresses_only(tmp_path):
    gate = _gate(tmp_path, Clock())
    assert gate.may_see_health("127.0.0.1") and gate.may_see_health("::1")
    assert not gate.may_see_health("10.0.0.5") and not gate.may_see_health("")


# -- Digest -------------------------------------------------------------------------------


def _answer(challenge: str, password: str, count: int = 1, **override: str) -> str:
    params = parse_params(challenge.removeprefix("Digest "))
    assert params is not None
    values = {
        "username": "cam",
        "realm": params["realm"],
        "nonce": params["nonce"],
        "uri": "/",
        "qop": "auth",
        "nc": f"{count:08x}",
        "cnonce": "0a4f113b",
        "algorithm": params["algorithm"],
        **override,
    }

    def h(text: str) -> str:
        return hashlib.new(values["algorithm"].replace("-", "").lower(), text.encode()).hexdigest()

    ha1 = h(f"{values['username']}:{values['realm']}:{password}")
    ha2 = h(f"POST:{values['uri']}")
    values["response"] = h(
        f"{ha1}:{values['nonce']}:{values['nc']}:{values['cnonce']}:{values['qop']}:{ha2}"
    )
    return ", ".join(f'{k}="{v}"' for k, v in values.items())


@pytest.fixture
def digest(tmp_path):
    settings = EdgeSettings(
        allow_plain_http=True,
        cameras={
            "cam": CameraSettings(
                user="cam", http_auth="digest", secret_file=_secret(tmp_path, "c")
            )
        },
    )
    registry = CameraRegistry.load(settings)
    clock = Clock()
    verifier = DigestVerifier("SHA-256", clock=clock)
    return verifier, registry.by_user.get, clock


def test_a_digest_answer_is_taken_once_and_counts_may_arrive_out_of_order(digest):
    verifier, find, _ = digest
    challenge = verifier.challenge()
    first, third = _answer(challenge, SECRET, 1), _answer(challenge, SECRET, 3)
    assert verifier.verify(third, "POST", "/", find).outcome is Outcome.ADMITTED
    assert verifier.verify(first, "POST", "/", find).outcome is Outcome.ADMITTED
    replayed = verifier.verify(first, "POST", "/", find)
    assert (replayed.outcome, replayed.reason) == (
        Outcome.REFUSED,
        "a Digest answer already used (replayed)",
    )


@pytest.mark.parametrize(
    ("override", "method", "target", "reason"),
    [
        ({}, "POST", "/other", "uri is not this request's"),
        ({}, "PUT", "/", "unknown camera or wrong secret"),  # the method is in the answer
        ({"qop": "auth-int"}, "POST", "/", 'qop="auth"'),
        ({"algorithm": "MD5"}, "POST", "/", "another realm or algorithm"),
        ({"realm": "elsewhere"}, "POST", "/", "another realm or algorithm"),
        ({"nonce": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "POST", "/", "not a nonce of this"),
        ({"nc": "0"}, "POST", "/", "nc must be 8 hex digits"),
        ({"username": "nobody"}, "POST", "/", "unknown camera or wrong secret"),
    ],
)
def test_a_digest_answer_for_another_request_realm_algorithm_or_nonce_is_refused(
    digest, override, method, target, reason
):
    verifier, find, _ = digest
    answer = verifier.verify(
        _answer(verifier.challenge(), SECRET, **override), method, target, find
    )
    assert answer.outcome is Outcome.REFUSED and reason in answer.reason


def test_an_expired_nonce_is_challenged_again_only_for_the_right_password(digest):
    verifier, find, clock = digest
    challenge = verifier.challenge()
    clock.now += NONCE_LIFETIME_S + 1
    assert verifier.verify(_answer(challenge, SECRET), "POST", "/", find).outcome is Outcome.STALE
    wrong = verifier.verify(_answer(challenge, "wrong-secret-0123"), "POST", "/", find)
    assert wrong.outcome is Outcome.REFUSED
    assert verifier.challenge(stale=True).endswith(", stale=true")


def test_digest_parameters_that_do_not_parse_are_refused():
    assert parse_params('username="a", username="b"') is None
    assert parse_params('username="a" realm="b"') is None
    assert parse_params('a="x\\"y", b=token') == {"a": 'x"y', "b": "token"}


# -- buckets ------------------------------------------------------------------------------


def test_a_bucket_gives_its_burst_then_one_per_interval_and_forgets_the_oldest_keys():
    clock = Clock()
    limits = RateLimits(rate=2.0, burst=3, max_keys=2, clock=clock)
    assert [limits.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limits.take("a") == pytest.approx(0.5)
    assert retry_after(0.5) == "1" and retry_after(2.1) == "3"
    clock.now += 0.5
    assert limits.take("a") == 0.0
    limits.take("b")
    limits.take("c")  # a is dropped: a fresh bucket is full, so this only ever forgives
    assert limits.empty_for("a") == 0.0


# -- settings and secret files -------------------------------------------------------------

_BASE = 'node_socket = "a.sock"\ntoken_file = "t"\nsite = "s"\n'


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", "tls: required"),
        ('allow_plain_http = true\n[tls]\ncert_file = "c"\nkey_file = "k"\n', "allow_plain_http"),
        ("allow_plain_http = true\n", "cameras: none configured"),
        (
            'allow_plain_http = true\n[cameras.c]\nsecret = "in-the-toml-0123456789"\n',
            "cameras.c.secret: unknown setting",
        ),
        ("allow_plain_http = true\n[cameras.c]\nallow_from = []\n", "cameras.c: give user"),
        (
            'allow_plain_http = true\n[cameras.c]\nuser = "u"\n',
            "cameras.c.secret_file: required",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nuser = "u"\nsecret_file = "s"\n'
            'secret_header = "X-K"\n',
            "cameras.c: user or secret_header, not both",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nsecret_header = "Authorization"\n'
            'secret_file = "s"\n',
            "cameras.c.secret_header: a header name of your own",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nclient_cert_name = "cam"\n',
            "cameras.c.client_cert_name: needs tls.client_ca_file",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nuser = "u"\nsecret_file = "s"\n'
            'allow_from = ["10.1.2.3/8"]\n',
            "cameras.c.allow_from: '10.1.2.3/8' is not an address or network",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nuser = "u"\nsecret_file = "s"\n'
            'http_auth = "ntlm"\n',
            "cameras.c.http_auth: must be one of basic, digest",
        ),
        (
            'allow_plain_http = true\n[cameras.c]\nuser = "u"\nsecret_file = "s"\n'
            '[cameras.d]\nuser = "u"\nsecret_file = "t"\n',
            "cameras.d.user: also camera c's",
        ),
        (
            'allow_plain_http = true\n[cameras."c d"]\nuser = "u"\nsecret_file = "s"\n',
            "cameras.c d: a camera id is",
        ),
    ],
)
def test_the_settings_refuse_an_edge_left_open_or_a_camera_that_cannot_prove_itself(
    tmp_path, text, refusal
):
    path = tmp_path / "adapter.toml"
    path.write_text(_BASE + text)
    with pytest.raises(InvalidInput, match=f"^adapter\\.toml: {refusal}"):
        AdapterConfig.load(path, "hikvision")


def test_a_folder_adapter_needs_no_camera_but_still_no_plain_http_unless_said(tmp_path):
    path = tmp_path / "adapter.toml"
    path.write_text(_BASE + 'folder = "drop"\n')
    with pytest.raises(InvalidInput, match="tls: required"):
        AdapterConfig.load(path, "folder")
    path.write_text(_BASE + 'folder = "drop"\nallow_plain_http = true\n')
    assert AdapterConfig.load(path, "folder").cameras == {}


@pytest.mark.parametrize(
    ("secret", "mode", "refusal"),
    [
        (SECRET, 0o644, r"readable by others \(mode 644\); run chmod 600"),
        (SECRET, 0o640, r"readable by others \(mode 640\)"),
        ("short", 0o600, "shorter than 12 characters"),
        (SECRET + "\n" + SECRET, 0o600, "on one line"),
    ],
)
def test_a_secret_file_others_may_read_or_holding_a_weak_secret_is_refused(
    tmp_path, secret, mode, refusal
):
    settings = EdgeSettings(
        allow_plain_http=True,
        cameras={"c": CameraSettings(user="u", secret_file=_secret(tmp_path, "c", secret, mode))},
    )
    with pytest.raises(InvalidInput, match=f"^cameras.c.secret_file: .*{refusal}") as refused:
        CameraRegistry.load(settings)
    assert SECRET not in str(refused.value)


def test_two_cameras_with_one_shared_secret_are_refused(tmp_path):
    shared = _secret(tmp_path, "shared")
    settings = EdgeSettings(
        allow_plain_http=True,
        cameras={
            "a": CameraSettings(secret_header="X-K", secret_file=shared),
            "b": CameraSettings(secret_header="X-K", secret_file=shared),
        },
    )
    with pytest.raises(InvalidInput, match=r"cameras\.b\.secret_file: the same secret as camera a"):
        CameraRegistry.load(settings)


def test_a_registry_never_shows_a_secret(tmp_path):
    settings = EdgeSettings(
        allow_plain_http=True,
        cameras={"c": CameraSettings(user="u", secret_file=_secret(tmp_path, "c"))},
    )
    registry = CameraRegistry.load(settings)
    assert SECRET not in repr(registry) and SECRET not in repr(registry.cameras["c"])


# -- evidence images ----------------------------------------------------------------------


def test_a_reused_picture_id_never_overwrites_an_image_and_a_resent_event_is_kept_once(
    tmp_path,
):
    first = keep_images(tmp_path, "cam-1", {"P1": b"\xff\xd8\xff first"})
    again = keep_images(tmp_path, "cam-1", {"P1": b"\xff\xd8\xff first"})  # a retry
    other_bytes = keep_images(tmp_path, "cam-1", {"P1": b"\xff\xd8\xff replaced"})
    other_camera = keep_images(tmp_path, "cam-2", {"P1": b"\xff\xd8\xff first"})
    assert first == again
    names = {first["P1"], other_bytes["P1"], other_camera["P1"]}
    assert len(names) == 3 and all("P1" not in name for name in names)
    assert (tmp_path / first["P1"]).read_bytes() == b"\xff\xd8\xff first"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # no partial files
    assert {(tmp_path / n).stat().st_mode & 0o777 for n in names} == {0o600}


def test_a_payload_reference_posing_as_an_adapter_made_name_is_dropped():
    kept = {"P1": "img-" + "a" * 40 + ".jpg"}
    assert image_ref("P1", kept) == kept["P1"]
    assert image_ref("img-" + "b" * 40 + ".jpg", kept) == ""
    assert image_ref("agent-7-1234", kept) == "agent-7-1234"  # the agent's own image id


# -- what the admitted camera's id is used for ---------------------------------------------


def test_one_camera_cannot_mark_another_cameras_axis_car_as_seen(tmp_path):
    """Axis cars are told apart by the serial and carID an event names: whatever its
    sender wrote. Camera b sends camera a's car, later in time, first; a's own event
    still makes its read, because each admitted camera has a deduplicator of its own."""
    config = AdapterConfig(
        kind="axis",
        node_socket=tmp_path / "a.sock",
        token_file=tmp_path / "t",
        site="s",
        allow_plain_http=True,
        cameras={
            name: CameraSettings(secret_header="X-K", secret_file=tmp_path / name)
            for name in ("a", "b")
        },
    )
    parse = vendor_parser(config)
    genuine = (Path(__file__).parent / "vendor_samples" / "axis_lpv_new.json").read_bytes()
    forged = genuine.replace(b"20240614 160436372", b"20240614 170436372")
    assert parse(forged, "application/json", "b")[0]  # b's own (forged) car
    (read,), _, ignored = parse(genuine, "application/json", "a")
    assert ignored == 0 and read.camera == "B8A44F960ACE"
    assert parse(genuine, "application/json", "a")[0] == []  # a's re-send: still one read
