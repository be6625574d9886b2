"""Reading a vendor's JSON push safely: a size limit, UTF-8 (with or without a byte
order mark), and a PayloadError that says where the JSON breaks without quoting it;
and its text and number fields, which vendors send as strings or numbers alike."""

from __future__ import annotations

import json
import math

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


def text_value(value: object, key: str, max_length: int) -> str:
    """A field sent as text or as an integer ("carID": "54950", "camera_id": 1234),
    stripped; "" when absent. PayloadError names the key, never the value."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"{key} must be text or an integer")
    text = str(value).strip()
    if len(text) > max_length:
        raise PayloadError(f"{key} longer than {max_length} characters")
    return text


def number_value(value: object, key: str) -> float:
    """A finite number sent as a number or as text ("0.93"); PayloadError otherwise."""
    number = math.nan
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            pass
    if not math.isfinite(number):
        raise PayloadError(f"{key} must be a number")
    return number
