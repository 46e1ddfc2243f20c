"""Running the reference target on loopback: two ports, one event loop, clean shutdown.

``serve`` (the ``bmscert serve`` command) binds every socket first (BMS, ECS and IAM), so a
port in use is reported before anything starts, then runs one uvicorn server per endpoint in
one event loop until SIGINT or SIGTERM. When all accept connections it writes a ready file
(JSON: endpoints, seeded ids and users, window; never a secret) for the process that started
it. Replies carry a ``Date`` from the target's own clock, which a setting may skew.

``ThreadedTarget`` runs the same servers in a background thread, for the project's own tests
and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from bmscert.errors import ConfigError, EnvironmentBlocked, HarnessFailure
from bmscert.target.app import ReferenceTarget, build_target
from bmscert.target.seed import seed_identities, seed_resources
from bmscert.target.settings import LOOPBACK, TargetSettings

logger = logging.getLogger(__name__)

PARENT_PID_ENV = "BMSCERT_TARGET_PARENT_PID"


def _run_loop(main) -> None:
    """Run ``main`` on uvloop when it is installed (uvicorn's own choice), else asyncio's loop.

    Driving both servers from one loop means uvicorn never picks the loop itself; without
    this the reference target would serve at about half the rate uvicorn gives a bare app.
    """
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


class _SharedSignalServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its owner, which stops both servers at once."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def bind(host: str, port: int, flag: str) -> socket.socket:
    """A listening socket; a busy port is an environment problem named by its flag."""
    if host != LOOPBACK:
        raise ConfigError(f"the reference target only listens on {LOOPBACK}, not {host}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it a reply's headers and body wait on a
    # delayed ACK and every call costs about 40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise EnvironmentBlocked(
                f"port {port} on {host} is already in use; choose another with {flag}"
                " (0 picks a free one)"
            ) from None
        raise EnvironmentBlocked(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(2048)
    return sock


class RunningTarget:
    """Both endpoints' servers over one ``ReferenceTarget``, started together."""

    def __init__(self, settings: TargetSettings):
        self.settings = settings
        self.sockets = [
            bind(settings.host, settings.bms_port, "--bms-port"),
            bind(settings.host, settings.ecs_port, "--ecs-port"),
            bind(settings.host, settings.iam_port, "--iam-port"),
        ]
        self.target = build_target(settings)
        self.servers = [
            _SharedSignalServer(
                uvicorn.Config(
                    app, log_level="warning", access_log=False, lifespan="off", date_header=False
                )
            )
            for app in (self.target.bms_app, self.target.ecs_app, self.target.iam_app)
        ]

    @property
    def info(self) -> dict[str, Any]:
        """What a client needs to reach the target; never a secret."""
        host = self.settings.host
        urls = [f"http://{host}:{sock.getsockname()[1]}" for sock in self.sockets]
        return {
            "endpoints": dict(zip(("bms", "ecs", "iam"), urls, strict=True)),
            "resources": seed_resources(self.settings),
            "identities": seed_identities(self.settings),
            "window_seconds": self.settings.window_seconds,
            "behaviours": self.settings.behaviours,
            "faults": list(self.settings.faults),
        }

    @property
    def started(self) -> bool:
        return all(server.started for server in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.should_exit = True

    async def serve(
        self, on_ready: Callable[[], None] | None = None, parent_pid: int | None = None
    ) -> None:
        async def wait_ready() -> None:
            while not self.started:
                if any(server.should_exit for server in self.servers):
                    return
                await asyncio.sleep(0.01)
            if on_ready is not None:
                on_ready()

        pairs = zip(self.servers, self.sockets, strict=True)
        watch = [self._outlive_not(parent_pid)] if parent_pid else []
        await asyncio.gather(
            *(server.serve(sockets=[sock]) for server, sock in pairs), wait_ready(), *watch
        )

    async def _outlive_not(self, parent_pid: int) -> None:
        """Stop once the process that started the target is gone: a target left running by a
        killed run would hold its ports and state forever."""
        while not any(server.should_exit for server in self.servers):
            if os.getppid() != parent_pid:
                logger.warning("the process that started the target is gone; stopping")
                self.stop()
                return
            await asyncio.sleep(0.5)


def serve(
    settings: TargetSettings,
    *,
    ready_file: Path | None = None,
    announce: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM (the ``bmscert serve`` command)."""
    serve_running(RunningTarget(settings), ready_file=ready_file, announce=announce)


def serve_running(
    running: RunningTarget,
    *,
    ready_file: Path | None = None,
    announce: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Serve a target whose sockets are bound until SIGINT or SIGTERM."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: running.stop())

    def on_ready() -> None:
        info = running.info
        if ready_file is not None:
            partial = ready_file.with_name(ready_file.name + ".partial")
            partial.write_text(json.dumps(info, indent=2), encoding="utf-8")
            partial.replace(ready_file)
        if announce is not None:
            announce(info)

    parent = os.environ.get(PARENT_PID_ENV, "")
    _run_loop(running.serve(on_ready, int(parent) if parent.isdigit() else None))


class ThreadedTarget:
    """The reference target in a background thread; a context manager for tests."""

    def __init__(self, settings: TargetSettings):
        self.running = RunningTarget(settings)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bmscert-target", daemon=True)

    def _run(self) -> None:
        _run_loop(self.running.serve(self._ready.set))

    @property
    def info(self) -> dict[str, Any]:
        return self.running.info

    @property
    def target(self) -> ReferenceTarget:
        return self.running.target

    def __enter__(self) -> ThreadedTarget:
        self._thread.start()
        if not self._ready.wait(timeout=15):
            self.running.stop()
            raise HarnessFailure("the reference target did not start within 15 s")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.running.stop()
        self._thread.join(timeout=10)
