"""A loop that runs beside the consumers from start() until stop() cancels it."""

from __future__ import annotations

import asyncio
import contextlib


class BackgroundLoop:
    name = "background-loop"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        raise NotImplementedError
