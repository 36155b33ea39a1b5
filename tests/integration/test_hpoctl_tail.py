#!/usr/bin/python3
"""hpoctl tail while trials run: through a pseudo-terminal (Python's pty module) it draws a
header and a log of events in colour, and Ctrl-C (typed on the terminal, so the terminal
driver sends SIGINT) ends it at once with the terminal given back; piped, the same events
come as plain lines."""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Hpod, reporting_study, wait_for  # noqa: E402

HPOCTL = os.environ.get("HPOCTL_BIN") or os.path.join(os.path.dirname(os.environ.get("HPOD_BIN", "")), "hpoctl")
ESC = b"\x1b"
ROWS, COLS = 30, 120


def read_until(fd, pred, timeout, buf=b""):
    """Reads fd into buf until pred(buf); returns buf. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not pred(buf):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out; output so far:\n%r" % buf[-3000:])
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other side of the pty closed
                chunk = b""
            if not chunk:
                if pred(buf):
                    break
                raise AssertionError("output ended; so far:\n%r" % buf[-3000:])
            buf += chunk
    return buf


def read_to_end(fd, timeout, buf=b""):
    """Reads until the other side closes (the child exited); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("still open after %.0f s; output so far:\n%r" % (timeout, buf[-3000:]))
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the pty's other side is closed
            return buf
        if not chunk:
            return buf
        buf += chunk


def strip_ansi(b):
    return re.sub(rb"\x1b(\[[0-9;?]*[A-Za-z]|[78])", b"", b)


class TailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hpod = Hpod(extra_config={"poll_interval_s": 0.2}).start()
        d = reporting_study("tailed", steps=30, sleep=0.1, n_trials=200, max_parallel=2)
        s, b = cls.hpod.submit(d)
        assert s == 201, b
        wait_for(lambda: cls.hpod.request("GET", "/api/v1/studies/tailed")[1]["trials"]["RUNNING"] == 2, 30,
                 what="two running trials")

    @classmethod
    def tearDownClass(cls):
        cls.hpod.request("POST", "/api/v1/studies/tailed/stop")
        cls.hpod.cleanup()

    def argv(self):
        return [HPOCTL, "--url", self.hpod.url, "--token", self.hpod.ADMIN_TOKEN, "tail", "tailed"]

    def test_on_a_terminal_colours_header_events_and_ctrl_c(self):
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        pid, master = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal, its group in the foreground
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execve(HPOCTL, self.argv(), env)
        try:
            before = termios.tcgetattr(master)
            out = read_until(master, lambda b: b.count(b" step ") >= 5, 30)
            plain = strip_ansi(out)
            # The screen: cleared, a scrolling region below the header, the header in bold.
            self.assertIn(b"\x1b[2J", out)
            self.assertIn(b"\x1b[5;%dr" % ROWS, out)
            self.assertIn(b"\x1b[1;1H\x1b[2K\x1b[1mstudy tailed [running]", out)
            self.assertRegex(plain, rb"study tailed \[running\]  running \d+  complete \d+  pruned \d+  failed \d+  reports/s [\d.]+")
            self.assertRegex(plain, rb"best: (none yet|trial \d+ = )")
            # Event lines, coloured by kind.
            self.assertRegex(plain, rb"trial \d+  step \d+  value [\d.e-]+")
            self.assertRegex(out, rb"\x1b\[36mtrial \d+ (planned|started)")
            out = read_until(master, lambda b: re.search(rb"\x1b\[32mtrial \d+ complete  value", b), 30, out)
            self.assertRegex(strip_ansi(out), rb"trial \d+ started on node \S+ as job \d+")
            # Ctrl-C, typed: the terminal driver turns it into SIGINT for hpoctl.
            t0 = time.monotonic()
            os.write(master, b"\x03")
            out = read_to_end(master, 10, out)
            _, status = os.waitpid(pid, 0)
            elapsed = time.monotonic() - t0
            self.assertTrue(os.WIFEXITED(status), status)
            self.assertEqual(os.WEXITSTATUS(status), 0)
            self.assertLess(elapsed, 2.0, "Ctrl-C took %.1f s" % elapsed)
            # The terminal is given back: the scrolling region reset, the cursor at the
            # bottom, and the terminal's settings untouched.
            self.assertIn(b"\x1b[r\x1b[%d;1H" % ROWS, out[out.rfind(b"^C") if b"^C" in out else 0:])
            self.assertEqual(termios.tcgetattr(master), before)
        finally:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            os.close(master)

    def test_piped_output_is_plain(self):
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        p = subprocess.Popen(self.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            out = read_until(p.stdout.fileno(), lambda b: b.count(b" step ") >= 3 and b"# study tailed" in b, 30)
            p.send_signal(signal.SIGINT)
            rest, err = p.communicate(timeout=10)
            out += rest
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        self.assertNotIn(ESC, out)
        text = out.decode()
        self.assertRegex(text, r"(?m)^# study tailed \[running\]  running \d+  complete \d+")
        self.assertRegex(text, r"(?m)^trial \d+  step \d+  value [\d.e-]+$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
