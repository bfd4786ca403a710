"""The bot's real web app (Starlette) under uvicorn on a free loopback port, in a thread, for HTTP tests."""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import threading
import time

import httpx
import uvicorn


class _Server(uvicorn.Server):
    """uvicorn's server, woken to stop at once instead of at its next tenth-of-a-second tick (every HTTP
    test stops one). What follows (uvicorn closing its sockets and connections) finishes in the server's own
    thread while the test's teardown goes on: nothing is in flight by then, and each server has its own port."""

    _stop: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self.on_tick(0)  # the default headers, as uvicorn's own first tick sets them
        if not self.should_exit:
            await self._stop.wait()

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop has already closed: the server had stopped
                pass


class ServedApp:
    def __init__(self, web_app):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._server = _Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning",
                                              access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:  # up once uvicorn says so
            time.sleep(0.001)

    def stop(self) -> None:
        self._server.stop()


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def client(base_url: str) -> httpx.Client:
    """An HTTP client for the served app. The tests speak plain HTTP on loopback, but httpx builds a TLS
    context (loading the CA bundle, tens of ms) for every client: one made once per process is shared."""
    return httpx.Client(base_url=base_url, timeout=10, verify=_tls())
