"""Headless Chromium for the report's tests, driven over the DevTools protocol.

``started_chromium()`` starts one Chromium with a fresh profile; ``visit`` opens a
page in it at a given width, for the screen or as printed, and records what the browser saw:
the page's words, every console message of level error, every uncaught exception, every
log entry of level error (a refused or failed load lands there), every request the page
makes, a screenshot of the first screen, and what does not fit the page's width
(``LAYOUT_CHECK``). Chromium comes from the system's packages (``make browser``); where it
is not installed the tests that need it skip and say so.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed here (`make browser` installs it with apt-get)")


@dataclass
class Visit:
    """What the browser saw of one page."""

    text: str = ""
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    layout: list[str] = field(default_factory=list)
    """What does not fit: see ``LAYOUT_CHECK``."""


class _DevTools:
    """Just enough of the DevTools protocol: commands on one page, events recorded."""

    def __init__(self, url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.session: str | None = None
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.socket.recv()))

    def drain(self, seconds: float) -> None:
        """Keep recording events for a moment (late errors, late requests)."""
        import websocket

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.socket.settimeout(left)
            try:
                self.events.append(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                break


@contextlib.contextmanager
def started_chromium() -> Iterator[str]:
    """A headless Chromium with a fresh profile, for as long as the ``with`` lasts; gives
    its DevTools address."""
    executable = _chromium()
    # Chromium's helper processes can still write to the profile after the browser exits:
    # it runs in its own process group, the whole group is ended, and what a straggler
    # leaves in the throwaway profile does not fail the test.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            # Chromium writes its port and path here once it listens.
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.is_file() and len(port_file.read_text().split()) >= 2):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Chromium did not start (exit code {process.poll()})")
                time.sleep(0.05)
            port, path = port_file.read_text().split()[:2]
            yield f"ws://127.0.0.1:{port}{path}"
        finally:
            _end_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _end_group(process, signal.SIGKILL)
                process.wait()


def _end_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, sig)


# Run in the page once it is laid out: every element that does not fit, in words. An element
# whose content is wider than its own box (a long name in a card, a table in its scrolling
# box), an element that sticks out of its parent, a page that scrolls sideways, a card whose
# words run out of it, two cards that overlap.
LAYOUT_CHECK = """(() => {
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const words = (el) => el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60);
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px in ${root.clientWidth}px`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getClientRects().length === 0) continue;  // not shown
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} holds ${el.scrollWidth}px in ${el.clientWidth}px: "${words(el)}"`);
    }
    const parent = el.parentElement;
    if (parent && parent !== document.body) {
      const r = el.getBoundingClientRect(), p = parent.getBoundingClientRect();
      if (r.right > p.right + 1 || r.left < p.left - 1) {
        problems.push(`${name(el)} (${Math.round(r.width)}px) sticks out of ${name(parent)} ` +
                      `(${Math.round(p.width)}px): "${words(el)}"`);
      }
    }
  }
  const cards = [...document.querySelectorAll('.card')].map((card) => {
    const range = document.createRange();
    range.selectNodeContents(card);
    return {card, box: card.getBoundingClientRect(), text: range.getBoundingClientRect()};
  });
  cards.forEach(({card, box, text}) => {
    if (text.right > box.right + 1 || text.left < box.left - 1 || text.bottom > box.bottom + 1) {
      problems.push(`a card's words run out of it: "${words(card)}"`);
    }
  });
  cards.forEach((a, i) => cards.slice(i + 1).forEach((b) => {
    const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
    const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
    if (x > 1 && y > 1) problems.push(`cards overlap: "${words(a.card)}" and "${words(b.card)}"`);
  }));
  return problems;
})()"""


def _events_seen(events: list[dict[str, Any]]) -> Visit:
    """The console errors, uncaught exceptions, error log entries and requests among a
    tab's DevTools ``events``."""
    seen = Visit()
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            seen.errors.append(" ".join(str(a.get("value")) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            thrown = details.get("exception", {}).get("description", "")
            seen.errors.append(f"{details.get('text', 'exception')} {thrown}".strip())
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            seen.errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            seen.requests.append(params["request"]["url"])
    return seen


def _new_tab(tools: _DevTools, width: int, height: int) -> str:
    """A blank tab of ``width`` × ``height`` CSS pixels, attached, its events enabled; its
    target id."""
    target = tools.call("Target.createTarget", url="about:blank")["targetId"]
    tools.session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.call(f"{domain}.enable")
    tools.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    return str(target)


def visit(
    browser: str, page: Path, *, width: int = 1200, height: int = 1300, media: str = "screen"
) -> Visit:
    tools = _DevTools(browser)
    try:
        target = _new_tab(tools, width, height)
        tools.call("Emulation.setEmulatedMedia", media=media)
        tools.call("Page.navigate", url=page.resolve().as_uri())
        tools.wait_for("Page.loadEventFired")
        tools.drain(0.5)
        seen = _events_seen(tools.events)
        seen.text = tools.call(
            "Runtime.evaluate", expression="document.body.innerText", returnByValue=True
        )["result"]["value"]
        seen.layout = tools.call("Runtime.evaluate", expression=LAYOUT_CHECK, returnByValue=True)[
            "result"
        ]["value"]
        shot = tools.call("Page.captureScreenshot", format="png")["data"]
        seen.screenshot = base64.b64decode(shot)
        tools.call("Target.closeTarget", targetId=target)
        return seen
    finally:
        tools.socket.close()


def outside_requests(seen: Visit, page: Path) -> list[str]:
    """Requests for anything but the page itself and inline data."""
    own = page.resolve().as_uri()
    return [u for u in seen.requests if u != own and not u.startswith(("data:", "about:"))]


class Tab:
    """One page driven live: evaluate script in it, wait for what it shows, and read what
    the browser saw so far (``seen``)."""

    def __init__(self, tools: _DevTools, target: str) -> None:
        self.tools = tools
        self.target = target

    def evaluate(self, expression: str) -> Any:
        self.tools.socket.settimeout(30)  # waiting (``drain``) leaves a short one behind
        reply = self.tools.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 60.0) -> Any:
        """The value of ``expression`` once it is truthy (polled every 0.1 s)."""
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression} still false after {timeout} s")
            self.tools.drain(0.1)
        return value

    def seen(self) -> Visit:
        """Console errors, uncaught exceptions, error log entries and requests so far."""
        seen = _events_seen(self.tools.events)
        seen.text = self.evaluate("document.body.innerText")
        seen.layout = self.evaluate(LAYOUT_CHECK)
        return seen

    def screenshot(self) -> bytes:
        self.tools.socket.settimeout(30)
        return base64.b64decode(self.tools.call("Page.captureScreenshot", format="png")["data"])


@contextlib.contextmanager
def opened(browser: str, url: str, *, width: int = 1400, height: int = 1300) -> Iterator[Tab]:
    """``url`` open in a new tab of ``browser`` (loaded), for as long as the ``with`` lasts."""
    tools = _DevTools(browser)
    try:
        target = _new_tab(tools, width, height)
        tools.call("Page.navigate", url=url)
        tools.wait_for("Page.loadEventFired")
        yield Tab(tools, target)
        tools.call("Target.closeTarget", targetId=target)
    finally:
        tools.socket.close()
