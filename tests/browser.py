"""Headless Chromium driven through the DevTools protocol, for the review page's tests.

Debian's ``chromium`` package is started with a private profile and a DevTools port on the
loopback address; :class:`Page` speaks the protocol over one websocket (websocket-client):
evaluate JavaScript, click and type as a person would (``Input.dispatch*`` events count as user
gestures, so a click may start playback), take screenshots. Tests skip when Chromium is missing
(``make sysdeps`` installs it where it can).

Run as a script it takes a screenshot of a page: ``python -m tests.browser PAGE.html OUT.png``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
STARTUP_S = 60.0  # s: the longest Chromium may take to open its DevTools port
STEP_S = 30.0  # s: the longest one protocol call or one wait may take (a hang, not a measure)

JsonValue = object


def chromium_path() -> str | None:
    """The Chromium executable, or None when none is installed."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """The browser did not start, or a protocol call failed."""


class Page:
    """One tab, driven over its own DevTools websocket."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self._ws = websocket.create_connection(ws_url, timeout=STEP_S, suppress_origin=True)
        self._next = 0
        self.events: list[dict[str, JsonValue]] = []

    def close(self) -> None:
        self._ws.close()

    def send(self, method: str, **params: JsonValue) -> dict[str, JsonValue]:
        """Call a protocol method and return its result (events met on the way are kept)."""
        self._next += 1
        ident = self._next
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, JsonValue] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append(message)

    def eval(self, expression: str) -> JsonValue:
        """The value of a JavaScript expression (promises awaited), as JSON data."""
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails']}")
        value = result.get("result")
        return value.get("value") if isinstance(value, dict) else None

    def wait_for(self, expression: str, timeout_s: float = STEP_S) -> JsonValue:
        """Poll until ``expression`` is truthy; fail after ``timeout_s`` (a hang guard)."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def open(self, url: str) -> None:
        """Load ``url`` and wait until its document is complete."""
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def click(self, x: float, y: float) -> None:
        """A left click at viewport coordinates (a real input event: a user gesture)."""
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def click_selector(self, selector: str) -> None:
        """Click the centre of the first element ``selector`` finds (scrolled into view)."""
        box = self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if not isinstance(box, list):
            raise BrowserError(f"no element {selector}")
        self.click(float(box[0]), float(box[1]))

    def key(self, key: str, code: str, *, shift: bool = False, text: str = "") -> None:
        """Press and release one key (``key`` as KeyboardEvent.key, ``code`` as .code)."""
        modifiers = 8 if shift else 0
        down: dict[str, JsonValue] = {"key": key, "code": code, "modifiers": modifiers}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", type="keyDown", **down)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, modifiers=modifiers)

    def screenshot(self, path: Path) -> None:
        """A PNG of the viewport."""
        shot = self.send("Page.captureScreenshot", format="png")
        data = shot.get("data")
        assert isinstance(data, str)
        path.write_bytes(base64.b64decode(data))


@contextmanager
def chromium(width: int = 1280, height: int = 860) -> Iterator[Page]:
    """A headless Chromium with one blank tab of ``width`` x ``height`` CSS pixels.

    Raises:
        BrowserError: when Chromium is missing or does not start.
    """
    exe = chromium_path()
    if exe is None:
        raise BrowserError("chromium is not installed (apt-get install chromium)")
    # Chromium's helper processes may still write to the profile for a moment after the browser
    # exits: the cleanup must not fail the test then.
    with tempfile.TemporaryDirectory(
        prefix="subweave-chromium-", ignore_cleanup_errors=True
    ) as profile:
        cmd = [
            exe,
            "--headless=new",
            "--no-sandbox",  # tests run as root in CI
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: the helpers go with it
        )
        try:
            port = _devtools_port(Path(profile), proc)
            page = Page(_page_socket(port))
            try:
                page.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                yield page
            finally:
                page.close()
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    """End Chromium and every helper process it started (its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            time.sleep(0.2)  # the group's other members end with their parent
            return
        except subprocess.TimeoutExpired:
            continue


def _devtools_port(profile: Path, proc: subprocess.Popen[str]) -> int:
    """The port Chromium chose: it writes it to ``DevToolsActivePort`` in the profile."""
    deadline = time.monotonic() + STARTUP_S
    marker = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise BrowserError(f"chromium exited ({proc.returncode}): {err[-2000:]}")
        if marker.exists():
            first = marker.read_text().splitlines()
            if first and first[0].isdigit():
                return int(first[0])
        time.sleep(0.05)
    raise BrowserError("chromium did not open its DevTools port")


def _page_socket(port: int) -> str:
    """The websocket of the first page target."""
    from urllib.request import urlopen

    deadline = time.monotonic() + STARTUP_S
    while True:
        with urlopen(f"http://127.0.0.1:{port}/json/list", timeout=STEP_S) as reply:
            targets = json.loads(reply.read())
        for target in targets:
            if target.get("type") == "page" and target.get("webSocketDebuggerUrl"):
                return str(target["webSocketDebuggerUrl"])
        if time.monotonic() > deadline:
            raise BrowserError("chromium has no page target")
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    """``python -m tests.browser PAGE.html OUT.png [WIDTH HEIGHT]``: a screenshot of a page."""
    page_path, out = Path(argv[0]).resolve(), Path(argv[1])
    size = (int(argv[2]), int(argv[3])) if len(argv) >= 4 else (1280, 860)
    with chromium(*size) as page:
        page.open(page_path.as_uri())
        page.wait_for("window.subweave && window.subweave.ready")
        # the first item to check, selected, as a reviewer would start
        page.eval(
            "(() => { const it = window.subweave.items().find((i) => i.cue !== undefined);"
            " if (it) window.subweave.select(window.subweave.current(), it.cue); })()"
        )
        time.sleep(0.3)
        page.screenshot(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
