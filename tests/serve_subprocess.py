"""``wacht-mock serve`` as a real subprocess on loopback, for the tests that need one (serve itself, the JS SDK)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time


class Server:
    """A running ``wacht-mock serve``, what it printed at start (``banner``) and every line since (``lines``: its
    stdout is read all along, so the server never blocks on a full pipe)."""

    def __init__(
        self, process: subprocess.Popen[str], banner: list[str], lines: list[str], reader: threading.Thread
    ) -> None:
        self.process = process
        self.banner = banner
        self.lines = lines
        self.reader = reader
        match = re.match(r"wacht-mock serving (http://\S+)$", banner[0])
        assert match, banner
        self.url = match.group(1)

    def wait_for_lines(self, count: int, timeout: float = 10) -> list[str]:
        """The lines printed after the banner, once there are at least ``count`` of them (or when ``timeout`` ends)."""
        deadline = time.monotonic() + timeout
        while len(self.lines) - len(self.banner) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.lines[len(self.banner) :]

    def stop(self) -> str:
        """Stop it; returns what it printed on stderr."""
        return _end(self.process, self.reader, kill=False)


def _end(process: subprocess.Popen[str], reader: threading.Thread, *, kill: bool) -> str:
    if kill:
        process.kill()
    else:
        process.terminate()
    process.wait(timeout=10)
    reader.join(timeout=10)  # the reader owns stdout until it ends
    assert process.stderr is not None and process.stdout is not None
    err = process.stderr.read()
    process.stderr.close()
    process.stdout.close()
    return err


def start(*args: str, lines: int) -> Server:
    """Run ``wacht-mock serve --port 0 *args`` and wait (30 s at most) for the first ``lines`` lines it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            if len(printed) >= lines:
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started.wait(timeout=30)
    if len(printed) < lines:
        err = _end(process, reader, kill=True)
        raise AssertionError(f"wacht-mock serve did not start: {printed} {err}")
    try:
        return Server(process, printed[:lines], printed, reader)
    except AssertionError:
        _end(process, reader, kill=True)
        raise
