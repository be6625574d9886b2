"""File uploads in the console, in-process (httpx over ASGI, no server): the CSRF check
reads the token of a multipart form (a file upload) as it reads an urlencoded one,
refuses one without it before any page runs, and refuses a body over its limit with a
page that says so. The import page over real HTTPS is tested in
tests/console/test_console_entries.py."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.cli.importing import csv_rows, fill_row
from gateway.console.app import create_app
from gateway.console.config import ConsoleConfig
from gateway.console.security import (
    MAX_BODY_BYTES,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    session_csrf_token,
)
from gateway.console.web import form
from gateway.wire.argos.v1 import admin_pb2 as pb

SESSION = "argos-session-not-a-real-one"


@pytest.fixture
def app(tmp_path: Path):
    config = ConsoleConfig(
        node_id="be-gent",
        admin_socket=tmp_path / "admin.sock",
        tls_cert=tmp_path / "cert.pem",
        tls_key=tmp_path / "key.pem",
        call_timeout_s=2.0,
    )
    app = create_app(config)
    reached: list[str] = []

    async def echo(request):
        # What a page sees: the text fields (token removed) and the file, unread.
        reached.append(request.url.path)
        fields = await form(request)
        upload = (await request.form()).get("file")
        return JSONResponse({"fields": fields, "file": (await upload.read()).decode()})

    app.router.routes.append(Route("/echo", echo, methods=["POST"]))
    app.state.reached = reached
    app.state.token = session_csrf_token(config.csrf_key, SESSION)
    return app


def post(app, data: dict, files: dict | None = None, content: bytes | None = None):
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://console", cookies={SESSION_COOKIE: SESSION}
        ) as web:
            if content is not None:
                return await web.post(
                    "/echo", content=content, headers={"content-type": "text/csv"}
                )
            return await web.post("/echo", data=data, files=files)

    return asyncio.run(send())


CSV = b"plate,country,category,action,expires_at\n1-ABC-123,B,stolen_vehicle,seize,2027-01-31\n"


def test_a_multipart_form_with_its_token_reaches_the_page_with_its_fields_and_file(app):
    page = post(app, {"csrf_token": app.state.token, "note": "x"}, {"file": ("a.csv", CSV)})
    assert page.status_code == 200, page.text
    assert page.json() == {"fields": {"note": "x"}, "file": CSV.decode()}


@pytest.mark.parametrize("token", ["", "0" * 64])
def test_a_multipart_form_without_a_fitting_token_is_refused_before_any_page(app, token):
    data = {"csrf_token": token} if token else {}
    page = post(app, data, {"file": ("a.csv", CSV)})
    assert page.status_code == 403
    assert "did not come from this console" in page.text
    assert app.state.reached == []


def test_a_body_over_the_limit_is_refused_with_a_page_and_every_header(app):
    page = post(app, {}, content=b"x" * (MAX_BODY_BYTES + 1))
    assert page.status_code == 413
    assert "larger than this console accepts" in page.text
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert app.state.reached == []


def test_a_csv_reads_as_the_cli_reads_it_each_bad_line_with_its_reason():
    text = (
        "plate,country,category,action,expires_at\n"
        "1-ABC-123,B,stolen_vehicle,seize,2027-01-31\n"
        "2-DEF-456,B,stolen_vehicle,seize\n"
        "3-GHI-789,B,stolen_vehicle,seize,2027-01-31,extra\n"
        '"4-JKL-\n012",B,stolen_vehicle,seize,not-a-date\n'
    )
    rows = []
    for line, row in csv_rows(io.StringIO(text, newline="")):
        out = pb.ImportRow(line=line)
        fill_row(out, row)
        rows.append(out)
    assert [r.line for r in rows] == [2, 3, 4, 6]
    assert rows[0].entry.plate == "1-ABC-123" and not rows[0].parse_error
    assert rows[1].parse_error == "missing expires_at" and not rows[1].HasField("entry")
    assert rows[2].parse_error == "more fields than the header has"
    assert "ISO 8601" in rows[3].parse_error
