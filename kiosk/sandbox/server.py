"""ServerThread that also runs on uvicorn ≥ 0.36 (where `Config.setup_event_loop` is gone)."""

from __future__ import annotations

import asyncio
import contextlib

from kiosk.serving import ServerThread


class SandboxServerThread(ServerThread):
    def _run(self) -> None:
        config = self._server.config
        factory = config.get_loop_factory() if hasattr(config, "get_loop_factory") else None
        if factory is None and hasattr(config, "setup_event_loop"):
            with contextlib.suppress(AttributeError):
                config.setup_event_loop()
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(self._server.serve(sockets=[self._sock]))
