"""Investigator: importing entries from a CSV file (/entries/import), in the format
`argos hotlist import` reads (gateway/cli/importing.py: a header row, the same
columns). Two steps, nothing stored before the second:

1. Upload: the console reads the file and asks the node to check every row as an
   import would, storing nothing (ImportEntries with dry_run). The preview lists the
   rows the node would refuse, each with its line and the node's reason, and how many
   it would take.
2. Import: the person gives a justification and imports; the file travels back with
   the form (a hidden field of the preview page: no copy is kept in the console) and
   the node imports the good rows (keep_good), checking every row again.

A file over MAX_IMPORT_BYTES is refused with a page saying the limit; bigger imports
belong to the CLI. The plate of a refused row is shown on the page (it is the person's
own data) and never logged: the node logs counts only, the console's access log paths."""

from __future__ import annotations

import io
from pathlib import PurePath

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.cli.importing import COLUMNS, REQUIRED, csv_rows, fill_row
from gateway.console.security import MAX_BODY_BYTES
from gateway.console.web import Refused, call, form, render, signed_in, translate
from gateway.wire.argos.v1 import admin_pb2 as pb

MAX_IMPORT_BYTES = 512 * 1024
# Rows per request message to the node, as the CLI sends them.
CHUNK = 5000


def _source(name: str) -> str:
    """The file's own name, for the node's audit record (never a path)."""
    return PurePath(name.replace("\\", "/")).name[:100] or "console-upload.csv"


def _rows(request: Request, text: str) -> list[tuple[int, dict | str]]:
    rows = list(csv_rows(io.StringIO(text, newline="")))
    if not rows:
        raise Refused(400, translate(request)("import.empty"))
    return rows


def _requests(options: pb.ImportOptions, rows: list[tuple[int, dict | str]]):
    """The import stream: its options, then the rows in chunks."""
    yield pb.ImportEntriesRequest(options=options)
    for start in range(0, len(rows), CHUNK):
        message = pb.ImportEntriesRequest()
        for line, row in rows[start : start + CHUNK]:
            fill_row(message.rows.rows.add(line=line), row)
        yield message


def _text(request: Request, data: bytes) -> str:
    t = translate(request)
    if len(data) > MAX_IMPORT_BYTES:
        raise Refused(413, t("import.too_large", kib=MAX_IMPORT_BYTES // 1024))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(400, t("import.not_utf8")) from None


@signed_in("investigator")
async def upload_page(request: Request) -> Response:
    return render(
        request,
        "entries/import.html",
        {"columns": COLUMNS, "required": REQUIRED, "kib": MAX_IMPORT_BYTES // 1024},
    )


@signed_in()
async def preview(request: Request) -> Response:
    """Step 1: the node's verdict on every row of the uploaded file, nothing stored."""
    t = translate(request)
    posted = await request.form(max_part_size=MAX_BODY_BYTES)
    upload = posted.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Refused(400, t("import.no_file"))
    try:
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    finally:
        await posted.close()
    text = _text(request, data)
    rows = _rows(request, text)
    source = _source(upload.filename)
    options = pb.ImportOptions(source=source, dry_run=True)
    reply = await call(request, "admin", "ImportEntries", _requests(options, rows))
    by_line = {line: row for line, row in rows}
    refused = []
    for error in reply.errors:
        row = by_line.get(error.line)
        columns = row if isinstance(row, dict) else {}
        refused.append(
            {
                "line": error.line,
                "plate": str(columns.get("plate") or ""),
                "category": str(columns.get("category") or ""),
                "reason": error.reason,
            }
        )
    return render(
        request,
        "entries/preview.html",
        {
            "source": source,
            "rows": len(rows),
            "accepted": reply.accepted,
            "rejected": reply.rejected,
            "refused": refused,
            "csv": text,
        },
    )


@signed_in()
async def import_rows(request: Request) -> Response:
    """Step 2: the good rows imported (the node checks every row again)."""
    f = await form(request)
    # A browser sends a form's line breaks as CRLF: counted as the file had them.
    text = f.get("csv", "").replace("\r\n", "\n")
    _text(request, text.encode())
    rows = _rows(request, text)
    options = pb.ImportOptions(
        keep_good=True,
        source=_source(f.get("source", "")),
        justification=f.get("justification", "").strip(),
    )
    reply = await call(request, "admin", "ImportEntries", _requests(options, rows))
    return RedirectResponse(
        f"/entries?imported={reply.accepted}&refused={reply.rejected}", status_code=303
    )


ROUTES = [
    Route("/entries/import", upload_page, methods=["GET"]),
    Route("/entries/import/preview", preview, methods=["POST"]),
    Route("/entries/import", import_rows, methods=["POST"]),
]
