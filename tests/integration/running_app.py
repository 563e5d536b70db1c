"""An app whose lifespan runs once for many test clients, for Schemathesis's ASGI transport.

Schemathesis starts an app's lifespan when its client first calls the app and stops it when a
test ends; our services start once (Kafka consumers join their group, clients are opened) and
cannot start again after stopping. `RunningApp` answers the transport's lifespan messages
itself and runs the real lifespan in a task of its own, on the transport's event loop, from
the first request until `close`.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send


class RunningApp:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._serving: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _acknowledge(receive, send)
            return
        if self._serving is None:
            await self._start()
        await self.app(scope, receive, send)

    def close(self) -> None:
        """Stops the real lifespan (from the test's thread), if a request started it."""
        if self._loop is not None and self._serving is not None:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)

    async def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        started = asyncio.Event()
        self._serving = asyncio.create_task(self._serve(started))
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({waiting, self._serving}, return_when=asyncio.FIRST_COMPLETED)
        if self._serving.done():
            waiting.cancel()
            self._serving.result()  # startup failed: raise why

    async def _serve(self, started: asyncio.Event) -> None:
        async with self.app.router.lifespan_context(self.app):
            started.set()
            await self._stopping.wait()

    async def _stop(self) -> None:
        assert self._serving is not None
        self._stopping.set()
        await self._serving


async def _acknowledge(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
