"""uvicorn's h11 protocol with Nagle's algorithm off on every connection.

asyncio turns it off only on sockets whose ``proto`` is TCP; the listening socket
uvicorn binds itself for ``--workers N`` has ``proto`` 0, so each answer's second write
waited for the client's delayed ACK: ≈40 ms per request. ``cscore serve`` uses this.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # not a TCP socket after all: nothing to turn off
                pass
        super().connection_made(transport)
