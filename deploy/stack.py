"""Start and stop the five processes as real uvicorn servers (the local runner and end-to-end tests)."""

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from shared.settings import PROCESSES


@dataclass
class Stack:
    """The gateway and the four services, each its own process on its own port."""

    ports: Mapping[str, int]
    env: Mapping[str, str]
    host: str = "127.0.0.1"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def environment(self) -> dict[str, str]:
        """The processes' environment: where each service answers, on top of the caller's settings."""
        urls = {f"{name.upper()}_URL": self.url(name) for name in PROCESSES}
        return {**os.environ, **self.env, **urls}

    def start(self, name: str) -> None:
        self.processes[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deploy.manage",
                "serve",
                name,
                "--host",
                self.host,
                "--port",
                str(self.ports[name]),
            ],
            env=self.environment(),
        )

    def start_all(self, timeout: float = 60.0) -> None:
        for name in PROCESSES:
            self.start(name)
        self.wait_ready(PROCESSES, timeout)

    def wait_ready(self, names: tuple[str, ...] | list[str], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            name = pending[0]
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {self.processes[name].returncode}")
            try:
                if httpx.get(self.url(name) + "/readyz", timeout=2).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not ready after {timeout}s")
            time.sleep(0.2)

    def stop(self, name: str, *, kill: bool = False) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.kill() if kill else process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def exited(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]
