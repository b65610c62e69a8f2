"""``wacht-mock serve`` as a real subprocess on loopback, for the tests that need one (serve itself, the JS SDK)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading


class Server:
    """A running ``wacht-mock serve`` and what it printed at start."""

    def __init__(self, process: subprocess.Popen[str], banner: list[str]) -> None:
        self.process = process
        self.banner = banner
        match = re.match(r"wacht-mock serving (http://\S+)$", banner[0])
        assert match, banner
        self.url = match.group(1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=10)


def start(*args: str, lines: int) -> Server:
    """Run ``wacht-mock serve --port 0 *args`` and wait (30 s at most) for the first ``lines`` lines it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        while len(banner) < lines:
            line = process.stdout.readline()
            if not line:
                return
            banner.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if len(banner) < lines:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(f"wacht-mock serve did not start: {banner} {err}")
    try:
        return Server(process, banner)
    except AssertionError:
        process.kill()
        process.communicate(timeout=10)
        raise
