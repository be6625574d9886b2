"""This node's TLS identity as served right now: the certificate and key read from the
files the configuration names, checked (gateway.domain.tls_identity) at start and on
every reload. The federation server's credentials fetcher and the outbound channels
read it here, so a renewed certificate reaches new handshakes without a restart; a
refused reload leaves the identity served so far in place."""

from __future__ import annotations

import threading

import structlog

from gateway.domain.times import Clock, utc_now
from gateway.domain.tls_identity import TlsIdentity, TlsIdentityRefused, check_identity, unchecked
from gateway.node.config import NodeConfig

log = structlog.get_logger(__name__)


class NodeTlsIdentity:
    def __init__(self, config: NodeConfig, clock: Clock = utc_now) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._current = self._read()
        except TlsIdentityRefused as exc:
            # Served as before this check existed; a reload must pass it.
            log.warning("tls.identity_unchecked", reason=str(exc))
            self._current = unchecked(config.tls_cert.read_bytes(), config.tls_key.read_bytes())
        self.generation = 0  # bumped on every change: channels built before are stale

    def _read(self) -> TlsIdentity:
        c = self._config
        return check_identity(
            c.node_id,
            c.tls_cert.read_bytes(),
            c.tls_key.read_bytes(),
            c.tls_ca.read_bytes(),
            self._clock(),
        )

    @property
    def current(self) -> TlsIdentity:
        return self._current

    def reload(self) -> tuple[TlsIdentity, bool]:
        """Read the files again; (identity now served, whether it changed). Raises
        TlsIdentityRefused, keeping the old identity, when the new pair is unusable."""
        with self._lock:
            try:
                fresh = self._read()
            except OSError as exc:
                raise TlsIdentityRefused(
                    f"the certificate or key file cannot be read: {type(exc).__name__}"
                ) from None
            changed = (fresh.cert_pem, fresh.key_pem) != (
                self._current.cert_pem,
                self._current.key_pem,
            )
            if changed:
                self._current = fresh
                self.generation += 1
            return self._current, changed
