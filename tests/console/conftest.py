"""The console under test as people meet it: real `argos serve` processes (one
federation per test module), a real `argos console` beside each over real HTTPS with
the node's certificate, people with real console credentials (password + TOTP secret),
and for browser tests Debian's Chromium driven headless by Playwright.

A module may set CONSOLE_NODES (the node ids, partners of each other; default Gent and
Terneuzen), CONSOLE_SETTINGS (keys of node.toml's [console] table) and NODE_SETTINGS
(top-level node.toml lines, e.g. the session timeouts) before its fixtures start."""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from gateway.demo.consoles import ConsoleLogin, admin_api, demo_logins, give_console_login
from gateway.federation import LocalConsole, LocalFederation, LocalNode

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_NODES = ("be-gent", "nl-terneuzen")
# Every page reports CSP violations on its console with this mark (see `browser`).
CSP_MARK = "csp-violation:"
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    f"  console.error('{CSP_MARK} ' + e.violatedDirective + ' ' + e.blockedURI);"
    "});"
)


def totp_now(secret: str) -> str:
    """The code an authenticator app shows now for `secret`."""
    return pyotp.TOTP(secret).now()


@dataclass
class Port:
    """One node with its console and its people (one per role, plus any made later)."""

    node: LocalNode
    console: LocalConsole
    people: dict[str, ConsoleLogin]
    _made: Iterator[int] = field(default_factory=itertools.count)

    @property
    def url(self) -> str:
        return self.console.url

    def new_person(self, role: str, name: str | None = None) -> ConsoleLogin:
        """Another person of `role` with console credentials: a TOTP code is accepted
        once, so a test that signs in again uses a person of its own."""
        user = name or f"{role[:3]}{next(self._made)}"
        with admin_api(self.node) as api:
            return give_console_login(
                api,
                self.node.home,
                self.node.node_id,
                user,
                role,
                f"pw-{self.node.node_id}-{secrets.token_hex(6)}",
            )

    def audit(self, *args: str) -> list[dict[str, Any]]:
        """The node's audit log as its admin reads it (`argos audit list --json`)."""
        return self.node.json("audit", "list", *args)


def _append_settings(node: LocalNode, top: dict[str, Any], console: dict[str, Any]) -> None:
    lines = [f"{key} = {json.dumps(value)}\n" for key, value in top.items()]
    if console:
        lines.append("\n[console]\n")
        lines += [f"{key} = {json.dumps(value)}\n" for key, value in console.items()]
    with (node.home / "node.toml").open("a") as f:
        f.writelines(lines)


@pytest.fixture(scope="module")
def ports(request, tmp_path_factory, certs) -> Iterator[dict[str, Port]]:
    """The module's federation: each node started, partners of each other, with its
    console running and its demo people signed up."""
    node_ids = getattr(request.module, "CONSOLE_NODES", DEFAULT_NODES)
    federation = LocalFederation(tmp_path_factory.mktemp("console") / "nodes", certs, node_ids)
    consoles: list[LocalConsole] = []
    try:
        for node in federation.nodes.values():
            node.init()
            _append_settings(
                node,
                getattr(request.module, "NODE_SETTINGS", {}),
                getattr(request.module, "CONSOLE_SETTINGS", {}),
            )
        for node in federation.nodes.values():
            node.start()
        for a, b in itertools.combinations(node_ids, 2):
            federation.connect(a, b)
        started = {}
        for node in federation.nodes.values():
            people = demo_logins(node)
            console = LocalConsole(node)
            consoles.append(console)
            console.launch()
            started[node.node_id] = Port(node, console, people)
        for console in consoles:
            console.wait_ready()
        yield started
    finally:
        for console in consoles:
            console.stop()
        federation.stop()


# -- HTTP ----------------------------------------------------------------------------


@dataclass
class Page:
    """One response, with what the tests look at."""

    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def location(self) -> str:
        return self.response.headers.get("location", "")

    def csrf_token(self) -> str:
        found = re.search(r'<meta name="csrf-token" content="([^"]*)"', self.text)
        assert found, f"no CSRF token on the page ({self.status})"
        return found.group(1)

    def notice(self) -> str:
        found = re.search(r'<p class="notice" role="alert">([^<]*)</p>', self.text)
        return found.group(1).strip() if found else ""


class ConsoleClient:
    """A browser's HTTP, by hand: real HTTPS verified against the dev CA, cookies kept
    as a browser keeps them (set, replaced, cleared by Max-Age=0), redirects not
    followed so each step can be looked at. `forwarded_for` poses as a browser behind
    the console's trusted reverse proxy (CONSOLE_SETTINGS trusted_proxies)."""

    def __init__(self, port: Port, forwarded_for: str | None = None) -> None:
        context = ssl.create_default_context(cafile=str(port.console.ca_file))
        self.http = httpx.Client(base_url=port.url, verify=context, timeout=30.0)
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.forwarded_for = forwarded_for

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Page:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["x-forwarded-for"] = self.forwarded_for
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.http.cookies.clear()
        self.set_cookie_headers = response.headers.get_list("set-cookie")
        for header in self.set_cookie_headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value.strip('"'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Page(response)

    def get(self, path: str, **kwargs: Any) -> Page:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str], *, csrf: str | None = None) -> Page:
        """POST a form with the CSRF token a page would carry now (or `csrf` if given;
        "" sends none)."""
        token = self.csrf_token() if csrf is None else csrf
        return self.request("POST", path, data={**data, "csrf_token": token} if token else data)

    def csrf_token(self) -> str:
        """The token of this client's pages now: /login carries the session's when
        signed in, else the pre-session cookie's."""
        return self.get("/login").csrf_token()

    def sign_in(self, person: ConsoleLogin) -> Page:
        """Both steps; the last answer (a redirect to the person's home)."""
        first = self.post("/login", {"user": person.user, "password": person.password})
        assert first.status == 303 and first.location.startswith("/login/code"), first.text
        token = self.get("/login/code").csrf_token()
        return self.post("/login/code", {"code": totp_now(person.totp_secret)}, csrf=token)


@pytest.fixture
def client_of(ports) -> Iterator:
    """client_of(node_id, forwarded_for=None): a fresh ConsoleClient of that console."""
    made: list[ConsoleClient] = []

    def make(node_id: str, forwarded_for: str | None = None) -> ConsoleClient:
        client = ConsoleClient(ports[node_id], forwarded_for)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# -- the browser ----------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile (a Playwright BrowserContext).
    The dev CA's certificate is accepted. Every page reports Content-Security-Policy
    violations, and the test fails if any was reported."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    violations: list[str] = []

    def watch(page: Any) -> None:
        def on_console(message: Any) -> None:
            text = message.text
            if CSP_MARK in text or "Content Security Policy" in text:
                violations.append(f"{page.url}: {text}")

        page.on("console", on_console)

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            ignore_https_errors=True,
            locale="en-GB",
            viewport={"width": 1280, "height": 800},
        )
        context.add_init_script(CSP_LISTENER)
        context.on("page", watch)
        for page in context.pages:
            watch(page)
        try:
            yield context
        finally:
            context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


def shot(page: Any, name: str) -> Path:
    """A PNG of the page under test-artifacts/screenshots/ (kept by the test run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def _no_proxy_for_loopback() -> None:
    # The consoles are on 127.0.0.1: never through a proxy of the environment.
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
