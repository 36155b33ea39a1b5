"""A stand-in for hpod's trial endpoints, for the client's unit tests: records every
request, applies hpod's same-step rule, prunes reports above `prune_above`, and can be
stopped and started again on the same port (an hpod restart)."""

import http.server
import json
import re
import socket
import threading
import time


class FakeHpod:
    def __init__(self, prune_above=None):
        self.prune_above = prune_above
        self.lock = threading.Lock()
        self.requests = []     # (path, body) of every request that got an answer
        self.reports = {}      # trial id -> {step: value}
        self.states = {}       # trial id -> "RUNNING" / "COMPLETE" / ...
        self.heartbeats = {}   # trial id -> count
        self.drop_next_answer = 0  # close the connection instead of answering (after acting)
        self.port = 0
        self.server = None
        self.connections = set()  # open keep-alive connections, cut by stop()
        self.answering = threading.Event()  # cleared: requests wait (a hung or slow hpod)
        self.answering.set()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections.add(self.connection)

            def finish(self):
                super().finish()
                with fake.lock:
                    fake.connections.discard(self.connection)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.answering.wait()
                status, answer = fake.handle(self.path, body)
                with fake.lock:
                    drop = fake.drop_next_answer > 0
                    fake.drop_next_answer -= 1 if drop else 0
                if drop:
                    self.close_connection = True
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(http.server.ThreadingHTTPServer):
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # connections cut by stop() (an hpod restart) are expected

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        with self.lock:
            for c in self.connections:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()

    def handle(self, path, body):
        m = re.match(r"/api/v1/trials/(\d+)/(report|tell|heartbeat)$", path)
        if not m:
            return 404, {"error": "not_found", "detail": path}
        tid, what = int(m.group(1)), m.group(2)
        with self.lock:
            self.requests.append((path, body))
            state = self.states.setdefault(tid, "RUNNING")
            if what == "heartbeat":
                self.heartbeats[tid] = self.heartbeats.get(tid, 0) + 1
                return (200, {}) if state == "RUNNING" else (409, {"error": "conflict", "detail": state})
            if what == "report":
                steps = self.reports.setdefault(tid, {})
                step, value = body["step"], body["value"]
                if step in steps:
                    if steps[step] != value:
                        return 409, {"error": "conflict", "detail": "step %d reported with another value" % step}
                    return 200, {"should_prune": state == "PRUNED", "state": state}
                if state != "RUNNING":
                    return 409, {"error": "conflict", "detail": "trial is " + state,
                                 "should_prune": state == "PRUNED", "state": state}
                steps[step] = value
                if self.prune_above is not None and isinstance(value, float) and value > self.prune_above:
                    self.states[tid] = "PRUNED"
                    return 200, {"should_prune": True, "state": "PRUNED"}
                return 200, {"should_prune": False, "state": "RUNNING"}
            told = {"complete": "COMPLETE", "fail": "FAIL", "pruned": "PRUNED"}[body["state"]]
            if state != "RUNNING":
                if state == told:
                    return 200, {"state": state}
                return 409, {"error": "conflict", "detail": "trial is already " + state}
            self.states[tid] = told
            return 200, {"state": told}

    def count(self, what):
        with self.lock:
            return sum(1 for p, _ in self.requests if p.endswith("/" + what))


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(0.01)
