"""Helpers for tests of inbound adapters: a camera edge to configure (the listener's TLS
with a node's dev certificate, cameras with secrets in owner-only files) and pushes
over HTTPS as a camera makes them."""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from adapters.edge.settings import CameraSettings, ListenerTls
from gateway.federation import argos_command
from tests.integration.hotlist_support import wait_until

KEY_HEADER = "X-Argos-Camera-Key"


def secret_file(folder: Path, name: str, secret: str, mode: int = 0o600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.secret"
    path.write_text(secret + "\n")
    path.chmod(mode)
    return path


def listener_tls(certs: Path, client_ca: Path | None = None) -> ListenerTls:
    """The listener serves be-gent's dev certificate (its names include 127.0.0.1)."""
    return ListenerTls(
        cert_file=certs / "be-gent" / "cert.pem",
        key_file=certs / "be-gent" / "key.pem",
        client_ca_file=client_ca,
    )


def client_tls(certs: Path, identity: Path | None = None) -> ssl.SSLContext:
    """A camera's TLS: trusts the dev CA; with `identity` (a folder holding cert.pem and
    key.pem), presents that client certificate."""
    context = ssl.create_default_context(cafile=certs / "ca.pem")
    if identity is not None:
        context.load_cert_chain(identity / "cert.pem", identity / "key.pem")
    return context


@dataclass
class KeyCamera:
    """A camera that proves itself with a shared secret in a header."""

    camera_id: str
    secret: str
    file: Path

    @property
    def headers(self) -> dict[str, str]:
        return {KEY_HEADER: self.secret}

    @property
    def settings(self) -> CameraSettings:
        return CameraSettings(secret_header=KEY_HEADER, secret_file=self.file)

    def toml(self, **extra: object) -> str:
        lines = [f"[cameras.{self.camera_id}]", f'secret_header = "{KEY_HEADER}"']
        lines.append(f'secret_file = "{self.file}"')
        lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
        return "\n".join(lines) + "\n"


def key_camera(folder: Path, camera_id: str) -> KeyCamera:
    secret = f"{camera_id}-secret-0123456789"
    return KeyCamera(camera_id, secret, secret_file(folder, camera_id, secret))


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)

    def __iter__(self):  # (status, body), as the older tests compare it
        return iter((self.status, self.body))


def push(
    port: int,
    body: bytes,
    content_type: str,
    *,
    tls: ssl.SSLContext,
    headers: dict[str, str] | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> Answer:
    """One POST over HTTPS (on `connection` when given, kept alive)."""
    own = connection is None
    connection = connection or http.client.HTTPSConnection(
        "127.0.0.1", port, timeout=10, context=tls
    )
    try:
        connection.request("POST", "/", body, {"Content-Type": content_type, **(headers or {})})
        response = connection.getresponse()
        headers: dict[str, str] = {}
        for name, value in response.getheaders():  # a header sent twice: both, joined
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return Answer(response.status, json.loads(response.read()), headers)
    finally:
        if own:
            connection.close()


def health(port: int, tls: ssl.SSLContext) -> dict:
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())
    finally:
        connection.close()


def run_adapter(
    kind: str, config: Path, tls: ssl.SSLContext, *, check_health: bool = True
) -> tuple[subprocess.Popen, int]:
    """`argos adapter run KIND` as its own process; (process, port it listens on). Its
    output goes to a file beside the settings file (config.<kind>.<n>.out)."""
    output = config.with_suffix(f".{kind}.{time.monotonic_ns()}.out")
    with output.open("w") as out:
        process = subprocess.Popen(
            [*argos_command(), "adapter", "run", kind, "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def listening() -> int | None:
        for line in output.read_text().splitlines():
            if "adapter listening on port" in line:
                return int(line.rsplit(" ", 1)[1])
        assert process.poll() is None, output.read_text()
        return None

    port = wait_until(listening, what=f"the {kind} adapter to listen")
    if check_health:
        health(port, tls)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
