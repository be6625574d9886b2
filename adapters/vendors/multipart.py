"""Reading a multipart body (RFC 2046) that is already in memory, with aiohttp's
MultipartReader: the parts' media type, ids and bytes, or a PayloadError saying where
the body breaks and never quoting it."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from aiohttp import MultipartReader, StreamReader
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam

from adapters.model import PayloadError

T = TypeVar("T")

# RFC 2046 boundary characters (aiohttp's content type parser splits at ";" even
# inside quotes, so a boundary is checked here before it is handed over).
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")

# aiohttp warns about a malformed Content-Disposition with the header's own text, which
# a camera may have filled with a plate: such warnings are never shown.
warnings.filterwarnings("ignore", category=BadContentDispositionHeader)
warnings.filterwarnings("ignore", category=BadContentDispositionParam)


@dataclass(frozen=True, slots=True, repr=False)
class Part:
    media_type: str  # lower case, without parameters; "" when not given
    content_id: str  # without its angle brackets
    file_name: str  # the Content-Disposition's filename, "" without one
    name: str  # the Content-Disposition's (form field) name
    data: bytes

    @property
    def ids(self) -> tuple[str, ...]:
        """What may name this part: Content-ID, file name, form field name, in order."""
        return tuple(i for i in (self.content_id, self.file_name, self.name) if i)


def read_parts(
    body: bytes, subtype: str, boundary: str, *, max_parts: int, max_bytes: int
) -> list[Part]:
    """Each part of a multipart/`subtype` body (RFC 2046), or PayloadError saying where
    the body breaks. CRLF is the standard line break; a body using bare LF throughout
    (as the first delimiter line shows) is accepted as well. At most max_parts parts,
    each of at most max_bytes."""
    if not _BOUNDARY.fullmatch(boundary):
        raise PayloadError("multipart content type without a valid boundary")
    delimiter = b"--" + boundary.encode("ascii")
    at = body.find(delimiter)
    if at < 0:
        raise PayloadError("multipart body without its boundary")
    line_end = body.find(b"\n", at)
    if line_end > 0 and body[line_end - 1 : line_end] != b"\r":
        # aiohttp finds the end of a part by CRLF + delimiter: give a bare LF before each
        # delimiter its CR (part headers and delimiter lines it reads by line either way).
        body = re.sub(rb"(?<!\r)\n(?=" + re.escape(delimiter) + rb")", b"\r\n", body)
    content = _InMemoryContent(body)
    reader = MultipartReader(
        {"Content-Type": f'multipart/{subtype}; boundary="{boundary}"'},
        cast(StreamReader, content),
        client_max_size=max_bytes,
    )
    ends_blank = body.endswith((b"\n\n", b"\n\r\n"))
    return _at_once(_parts_of(reader, content, max_parts=max_parts, ends_blank=ends_blank))


async def _parts_of(
    reader: MultipartReader, content: _InMemoryContent, *, max_parts: int, ends_blank: bool
) -> list[Part]:
    # aiohttp's own errors are not passed on: they may quote the body.
    parts: list[Part] = []
    for seen in itertools.count():
        try:
            part = await reader.next()
        except (ValueError, RuntimeError, HttpProcessingError):
            if content.at_eof():  # ran out looking for a delimiter line
                closing = "boundary" if not parts else "closing boundary"
                raise PayloadError(f"multipart body without its {closing}") from None
            raise PayloadError("malformed multipart delimiter line or part headers") from None
        if part is None:
            return parts
        if seen == max_parts:
            raise PayloadError(f"multipart body with more than {max_parts} parts")
        if content.at_eof():  # a part's headers ran to the end of the body
            missing = "its closing boundary" if ends_blank else "the end of its headers"
            raise PayloadError(f"multipart part without {missing}")
        try:
            if isinstance(part, MultipartReader):  # nested: carries nothing we read
                await part.release()
                continue
            data = bytes(await part.read())
        except (ValueError, RuntimeError, HttpProcessingError):
            if content.at_eof():
                raise PayloadError("multipart body without its closing boundary") from None
            raise PayloadError("multipart part whose content does not end at a delimiter") from None
        media_type = part.headers.get("Content-Type", "").partition(";")[0]
        parts.append(
            Part(
                media_type=media_type.strip().lower(),
                content_id=part.headers.get("Content-ID", "").strip().strip("<>"),
                file_name=part.filename or "",  # aiohttp reads RFC 2231/6266 forms too
                name=part.name or "",
                data=data,
            )
        )


class _InMemoryContent:
    """The four reads aiohttp's MultipartReader makes of its StreamReader (read,
    readline, at_eof, unread_data), served from a body already in memory, as aiohttp's
    own tests feed it. A StreamReader would want an event loop and a connection's flow
    control for bytes that are all here; with these no read ever waits (see _at_once)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    async def read(self, n: int = -1) -> bytes:
        end = len(self._data) if n < 0 else self._at + n
        chunk = self._data[self._at : end]
        self._at += len(chunk)
        return chunk

    async def readline(self, *, max_line_length: int | None = None) -> bytes:
        end = self._data.find(b"\n", self._at)
        end = len(self._data) if end < 0 else end + 1
        if max_line_length is not None and end - self._at > max_line_length:
            raise LineTooLong("a multipart header line", max_line_length)
        return await self.read(end - self._at)

    def at_eof(self) -> bool:
        return self._at >= len(self._data)

    def unread_data(self, data: bytes) -> None:
        # The reader hands back the tail of what it read: step back over it. At a part's
        # start that tail may begin with a line break the reader added itself.
        if self._data[max(self._at - len(data), 0) : self._at] == data:
            self._at -= len(data)
        else:
            self._data, self._at = data + self._data[self._at :], 0


def _at_once(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits, run on the caller's thread: the
    parser is called from the listener's event loop and from plain code alike."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("the multipart reader waited for bytes it had been given whole")
