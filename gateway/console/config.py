"""What the console needs to know to run beside its node: read from the node's folder
(node.toml and its optional [console] table) once, when `argos console` starts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from gateway.domain.errors import InvalidInput
from gateway.node.config import load_config

DEFAULT_LISTEN = "127.0.0.1:8443"


@dataclass(frozen=True)
class ConsoleConfig:
    """One console: its node, where it listens, and how it serves HTTPS."""

    node_id: str
    admin_socket: Path
    # The node's own certificate and key serve the console's HTTPS.
    tls_cert: Path
    tls_key: Path
    host: str = "127.0.0.1"
    port: int = 8443
    # The address people type (shown by the demo, used in docs); empty: https://host:port.
    public_url: str = ""
    # Reverse proxies whose X-Forwarded-For is believed for the client's address (the
    # address the node throttles log-ins by). Empty: the TCP peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    # Keys the CSRF tokens of this process (see security.py): new on every start.
    csrf_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    # Seconds a call to the node may take before the page says the node is unavailable.
    call_timeout_s: float = 15.0

    @property
    def url(self) -> str:
        return self.public_url or f"https://{self.host}:{self.port}"


def parse_listen(listen: str) -> tuple[str, int]:
    """'127.0.0.1:8443' (or '[::1]:8443') as host and port."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise InvalidInput(f"listen address {listen!r} is not host:port")
    return host.strip("[]"), int(port)


def console_config(home: Path, listen: str | None = None) -> ConsoleConfig:
    """The console of the node in `home`: node.toml's [console] table, with `listen`
    (the command line's --listen) before its listen setting."""
    node = load_config(home)
    settings = node.console
    host, port = parse_listen(listen or settings.listen or DEFAULT_LISTEN)
    return ConsoleConfig(
        node_id=node.node_id,
        admin_socket=node.admin_socket,
        tls_cert=node.tls_cert,
        tls_key=node.tls_key,
        host=host,
        port=port,
        public_url=settings.public_url,
        trusted_proxies=tuple(settings.trusted_proxies),
    )
