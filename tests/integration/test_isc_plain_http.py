"""A node never talks to its ISC in clear: with a plain http collection URL it refuses to
start, naming the setting, before a byte (or the ISC credentials) leaves it; plain http
is allowed only to a loopback address and only when `[isc]` says so. A real node
process, and a real HTTP listener on loopback that counts what reaches it."""

from __future__ import annotations

import os
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.federation import LocalFederation

COLLECTION = "/isc/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"


class Listener:
    """An HTTP server on loopback that answers nothing useful and remembers each request."""

    def __init__(self) -> None:
        seen: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(f"GET {self.path} {self.headers.get('Authorization', '')}")
                self.send_error(404)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.requests = seen
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _audit(node) -> list[tuple]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute("SELECT * FROM audit ORDER BY seq").fetchall()


@pytest.fixture
def gent(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    listener = Listener()
    try:
        federation.start()
        node = federation["be-gent"]
        credentials = node.home / "isc.credentials"
        credentials.write_text("argos-member:not-a-real-secret\n")
        os.chmod(credentials, 0o600)
        node.stop()
        yield node, listener
    finally:
        listener.stop()
        federation.stop()


def _configure(node, *isc_lines: str) -> None:
    config = node.home / "node.toml"
    base = config.read_text().split("\n[isc]\n")[0]
    lines = ['credentials_file = "isc.credentials"', "pull_interval_s = 1", *isc_lines]
    config.write_text(base + "\n[isc]\n" + "".join(f"{line}\n" for line in lines))


def test_a_node_refuses_to_start_with_a_plain_http_isc_and_sends_it_nothing(gent):
    node, listener = gent
    before = _audit(node)
    loopback = f"http://127.0.0.1:{listener.port}{COLLECTION}"
    for isc_lines, why in (
        # Loopback, but nobody said plain http was meant.
        ([f'collection_url = "{loopback}"'], "set [isc] allow_plain_http_loopback = true"),
        # Not loopback: refused whatever the setting says.
        (
            [
                f'collection_url = "http://isc.example:{listener.port}{COLLECTION}"',
                "allow_plain_http_loopback = true",
            ],
            "the ISC collection URL must be https",
        ),
    ):
        _configure(node, *isc_lines)
        with pytest.raises(RuntimeError) as refused:
            node.start()
        assert why in str(refused.value)
        assert "not-a-real-secret" not in node.log_path.read_text()
    assert listener.requests == []
    assert _audit(node) == before  # the node never ran: nothing recorded, nothing changed

    # Said explicitly, to a loopback address: the node starts and pulls from it.
    _configure(node, f'collection_url = "{loopback}"', "allow_plain_http_loopback = true")
    node.start()
    node.argos("isc", "pull", check=False)
    assert listener.requests and all(r.startswith(f"GET {COLLECTION}") for r in listener.requests)
