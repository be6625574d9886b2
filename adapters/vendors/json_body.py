"""Reading a vendor's JSON push safely: a size limit, UTF-8 (with or without a byte
order mark), and a PayloadError that says where the JSON breaks without quoting it."""

from __future__ import annotations

import json

from adapters.model import PayloadError


def json_object(body: bytes, max_bytes: int, what: str = "payload") -> dict:
    """The JSON object in body, or PayloadError naming the problem (never the content)."""
    if not isinstance(body, bytes | bytearray):
        raise PayloadError("body must be bytes")
    if len(body) > max_bytes:
        raise PayloadError(f"body larger than {max_bytes} bytes")
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body is not UTF-8 text (byte {exc.start})") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg names the expected token only, never the document's content.
        raise PayloadError(
            f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from None
    except RecursionError:
        raise PayloadError("JSON nested too deeply") from None
    except ValueError:  # e.g. an integer beyond Python's digit limit
        raise PayloadError("JSON holds a value that cannot be read") from None
    if not isinstance(obj, dict):
        raise PayloadError(f"{what} must be a JSON object")
    return obj
