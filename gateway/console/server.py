"""Serving the console: uvicorn over HTTPS with the node's certificate and key, its own
access log off (app.AccessLog logs without queries), and X-Forwarded-For believed only
from the configured reverse proxies."""

from __future__ import annotations

import ssl

import uvicorn

from gateway.console.app import create_app
from gateway.console.config import ConsoleConfig


def serve(config: ConsoleConfig) -> None:
    """Run the console until SIGINT or SIGTERM."""
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=config.port,
        ssl_certfile=str(config.tls_cert),
        ssl_keyfile=str(config.tls_key),
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
        ssl_ciphers="ECDHE+AESGCM:ECDHE+CHACHA20",
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=list(config.trusted_proxies) or None,
        server_header=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=5,
    )
