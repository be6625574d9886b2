"""The console application in-process (httpx over ASGI, no server), for what a real
console seldom shows on demand: a failure inside a page still answers with every
security header and no detail, and a node that does not answer is said so in the
person's words. The real console over HTTPS is tested in tests/console."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from gateway.console.app import create_app
from gateway.console.config import ConsoleConfig
from gateway.console.security import SECURITY_HEADERS, SESSION_COOKIE


@pytest.fixture
def app(tmp_path: Path):
    # No node listens on this socket: every call to it is UNAVAILABLE.
    config = ConsoleConfig(
        node_id="be-gent",
        admin_socket=tmp_path / "admin.sock",
        tls_cert=tmp_path / "cert.pem",
        tls_key=tmp_path / "key.pem",
        call_timeout_s=2.0,
    )
    app = create_app(config)

    async def broken(request):
        raise RuntimeError("a secret detail that must not reach the browser")

    app.router.routes.append(Route("/broken", broken))
    return app


def get(app, path: str, **kwargs) -> httpx.Response:
    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="https://console") as web:
            return await web.get(path, **kwargs)

    return asyncio.run(fetch())


def test_a_failing_page_answers_500_with_every_security_header_and_no_detail(app):
    page = get(app, "/broken")
    assert page.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert page.headers["cache-control"] == "no-store"
    assert "secret detail" not in page.text
    assert "Something went wrong" in page.text


def test_a_node_that_does_not_answer_is_a_503_page_in_the_persons_language(app):
    page = get(
        app,
        "/",
        headers={"accept-language": "nl-BE,nl;q=0.9", "cookie": f"{SESSION_COOKIE}=some-token"},
    )
    assert page.status_code == 503
    assert "Het knooppunt antwoordt niet" in page.text
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"]
