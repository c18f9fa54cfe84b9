"""uvicorn's httptools protocol with a cap on the request head (request line and headers).

httptools (llhttp) parses faster than h11 (bench/RESULTS.md, "HTTP parser"), but reads any number and size of
headers: an 8 MB header and 100,000 header lines were accepted (docs/SECURITY.md). h11 has a cap of its own
(``max_incomplete_event_size``); this class gives httptools the same one, ``HTTP_MAX_HEADER_BYTES``, passed in
uvicorn's setting of that name. It counts bytes; the parsing stays llhttp's.

Two checks, because llhttp hands over a header only once it is complete:

- while a head is still arriving, every byte received since it began belongs to it: past the cap, the request is
  refused before the rest is read (an endless header never reaches memory beyond the cap and one read);
- when a head is complete, its size is known exactly (request line, names, values, separators): past the cap,
  refused. This also covers a head and its body arriving in one read, where the byte count alone would include
  the body.

Refused as h11 refuses: 400 "Invalid HTTP request received." and the connection closed (uvicorn's answer to a
parser error: an exception raised in a parser callback is one).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Per header line: ": " and CRLF; per head: the method, " ", " HTTP/1.1", CRLF, and the final CRLF.
_LINE_OVERHEAD = 4
_HEAD_OVERHEAD = 32


class RequestHeadTooLarge(Exception):
    """The request head exceeds HTTP_MAX_HEADER_BYTES."""


class CappedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_cap: int = self.config.h11_max_incomplete_event_size or 16_384
        self._in_head = True  # from the connection's start or the end of a message until a head is complete
        self._head_bytes = 0  # bytes received while in a head
        self._head_size = 0  # exact size of the head being parsed (the parts llhttp has handed over)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self._head_cap and not self.transport.is_closing():
            self._refuse()

    def _refuse(self) -> None:
        msg = "Invalid HTTP request received."
        self.logger.warning("%s (request head over %d bytes)", msg, self._head_cap)
        self.send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = _HEAD_OVERHEAD

    def on_url(self, url: bytes) -> None:
        self._grow(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._grow(len(name) + len(value) + _LINE_OVERHEAD)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def _grow(self, n: int) -> None:
        self._head_size += n
        if self._head_size > self._head_cap:
            raise RequestHeadTooLarge  # llhttp stops; uvicorn answers a parser error with 400 and closes
