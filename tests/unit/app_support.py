"""A node folder for Gent and a federation port that reaches no one: for tests that
call the application's use cases directly, on a real folder and SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gateway.domain.errors import PartnerUnreachable
from gateway.node.config import NodeConfig, init_node_home


def gent_config(tmp_path: Path, certs: Path) -> NodeConfig:
    """A freshly initialised be-gent folder under tmp_path, with the dev certificates."""
    return init_node_home(
        tmp_path / "be-gent",
        node_id="be-gent",
        federation_listen="127.0.0.1:1",
        federation_endpoint=None,
        tls_cert=certs / "be-gent" / "cert.pem",
        tls_key=certs / "be-gent" / "key.pem",
        tls_ca=certs / "ca.pem",
    )


class NoPartners:
    """A federation port that reaches no one (nothing here may get that far)."""

    def __getattr__(self, name: str) -> Callable[..., object]:
        def unreachable(*args: object, **kwargs: object) -> object:
            raise PartnerUnreachable("no partner is reachable in this test")

        return unreachable
