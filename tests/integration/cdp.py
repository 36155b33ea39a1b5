"""Headless Chromium driven over the DevTools protocol with the Python standard library.

Chromium is started with --remote-debugging-pipe: the protocol's JSON messages travel over
two inherited file descriptors (3: to the browser, 4: from it), each message ended by a NUL
byte. No websocket, no node, no download: only the chromium package (scripts/bootstrap.sh).
"""
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

CHROMIUM = os.environ.get("HPOD_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--disable-dev-shm-usage"]  # containers often have a tiny /dev/shm


class CdpError(Exception):
    pass


def require():
    """Fails (not skips) without Chromium: scripts/bootstrap.sh installs it for the tests."""
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        raise AssertionError("%s not found: run scripts/bootstrap.sh (it installs chromium)" % CHROMIUM)


class Browser:
    def __init__(self, width=1400, height=1000):
        self.profile = tempfile.mkdtemp(prefix="hpod-chromium-")
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()

        def child_fds():
            # dup first: os.pipe() descriptors are close-on-exec, and 3/4 may be taken.
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
             "--window-size=%d,%d" % (width, height), "about:blank"],
            preexec_fn=child_fds, close_fds=False, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        os.close(to_r)
        os.close(from_w)
        self.w, self.r = to_w, from_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.call("Browser.getVersion", timeout=30)

    # --- protocol
    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("no message from Chromium in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CdpError("Chromium closed the pipe (exit code %s)" % self.proc.poll())
            self.buf += chunk
        i = self.buf.index(b"\0")
        msg, self.buf = self.buf[:i], self.buf[i + 1:]
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.w, json.dumps(m).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            r = self._read_message(deadline)
            if r.get("id") == mid:
                if "error" in r:
                    raise CdpError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            self.events.append(r)

    def pump(self, seconds=0.0):
        """Reads the events that arrived (for at most `seconds`)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                ready, _, _ = select.select([self.r], [], [], max(0, deadline - time.monotonic()))
                if not ready and b"\0" not in self.buf:
                    return
                self.events.append(self._read_message(time.monotonic() + 5))
        except CdpError:
            return

    def new_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session)

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (CdpError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, session):
        self.b = browser
        self.s = session
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def call(self, method, params=None, timeout=60):
        return self.b.call(method, params, self.s, timeout)

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})

    def eval(self, expression, timeout=60):
        """The value of a JavaScript expression (promises are awaited)."""
        r = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise CdpError("%s: %s" % (expression[:80], r["exceptionDetails"].get("exception", {}).get(
                "description", r["exceptionDetails"].get("text"))))
        return r["result"].get("value")

    def wait_for(self, expression, timeout=10.0, what=None):
        """Polls a JavaScript expression until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                v = self.eval(expression)
            except CdpError:
                v = None
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what or expression))
            time.sleep(0.02)

    def errors(self):
        """Uncaught exceptions and console errors seen so far on this page."""
        self.b.pump()
        out = []
        for e in self.b.events:
            if e.get("sessionId") != self.s:
                continue
            if e.get("method") == "Runtime.exceptionThrown":
                d = e["params"]["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text"))
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"]))
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"]["text"])
        return out

    def screenshot(self, path, full_page=True):
        import base64
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        r = self.call("Page.captureScreenshot", params)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path
