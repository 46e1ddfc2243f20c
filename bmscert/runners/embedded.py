"""Starting the embedded reference target for a run, and always stopping it.

The target runs as its own process (``python -m bmscert serve``) so that the load generator,
which patches the standard library with gevent, never shares an interpreter with it. The
users' secrets reach it through the environment, never the command line or a file.

It runs in a session of its own, so a Ctrl+C in the terminal stops the run but not the
target: the run's cleanup still needs it, and stops it afterwards. It watches the run's
process and stops by itself if that one disappears (killed with SIGKILL, say).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bmscert.errors import HarnessFailure
from bmscert.target.server import PARENT_PID_ENV

logger = logging.getLogger(__name__)

TARGET_TOKEN_ENV = "BMSCERT_TARGET_TOKEN"
TARGET_ACCOUNTS_ENV = "BMSCERT_TARGET_ACCOUNTS"
_STARTUP_SECONDS = 30.0


class EmbeddedTarget:
    """A context manager: on entry the target is up and ``info`` says where."""

    def __init__(
        self,
        run_dir: Path,
        accounts: dict[str, dict[str, str]],
        *,
        window_seconds: int,
        behaviours: dict[str, str],
        faults: list[str],
        limiter: str = "fixed",
        job_seconds: dict[str, float] | None = None,
        job_failure_rate: float = 0.0,
        quota_instances: int | None = None,
        undocumented_ceilings: dict[str, int] | None = None,
        dialect: str = "huawei",
    ):
        self.run_dir = run_dir
        self.job_seconds = job_seconds or {}
        self.job_failure_rate = job_failure_rate
        self.quota_instances = quota_instances
        self.undocumented_ceilings = undocumented_ceilings or {}
        self.accounts = accounts
        self.window_seconds = window_seconds
        self.behaviours = behaviours
        self.faults = faults
        self.limiter = limiter
        self.dialect = dialect
        self.info: dict[str, Any] = {}
        self._process: subprocess.Popen | None = None
        self._log = None

    def command(self, ready_file: Path) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "bmscert",
            "serve",
            "--window-seconds",
            str(self.window_seconds),
            "--ready-file",
            str(ready_file),
            "--limiter",
            self.limiter,
            "--dialect",
            self.dialect,
        ]
        for name, value in self.behaviours.items():
            command += ["--behaviour", f"{name}={value}"]
        for fault in self.faults:
            command += ["--fault", fault]
        for kind, seconds in self.job_seconds.items():
            command += ["--job-seconds", f"{kind}={seconds}"]
        if self.job_failure_rate:
            command += ["--job-failure-rate", str(self.job_failure_rate)]
        if self.quota_instances is not None:
            command += ["--quota-instances", str(self.quota_instances)]
        for operation, count in self.undocumented_ceilings.items():
            command += ["--undocumented-ceiling", f"{operation}={count}"]
        return command

    def __enter__(self) -> EmbeddedTarget:
        ready_file = self.run_dir / "target.json"
        log_path = self.run_dir / "target.log"
        self._log = log_path.open("w", encoding="utf-8")
        env = {
            **os.environ,
            TARGET_ACCOUNTS_ENV: json.dumps(self.accounts),
            PARENT_PID_ENV: str(os.getpid()),
        }
        env.pop(TARGET_TOKEN_ENV, None)
        self._process = subprocess.Popen(
            self.command(ready_file),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            self.info = self._wait_until_ready(ready_file, log_path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        logger.info("embedded target up: %s", self.info["endpoints"])
        return self

    def _wait_until_ready(self, ready_file: Path, log_path: Path) -> dict[str, Any]:
        deadline = time.monotonic() + _STARTUP_SECONDS
        while time.monotonic() < deadline:
            if ready_file.is_file():
                return json.loads(ready_file.read_text(encoding="utf-8"))
            if self._process is not None and self._process.poll() is not None:
                last = log_path.read_text(encoding="utf-8").strip().splitlines()
                reason = last[-1] if last else f"exit code {self._process.returncode}"
                raise HarnessFailure(f"the embedded target did not start: {reason}")
            time.sleep(0.05)
        raise HarnessFailure(
            f"the embedded target was not ready after {_STARTUP_SECONDS:.0f} s; see {log_path}"
        )

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
