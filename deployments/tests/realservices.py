"""Helpers for the integration tests with a real Prometheus and a real nginx (loopback only)."""

import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(name, *extra):
    for candidate in (shutil.which(name), *extra):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def serve(handler_class) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Exporter:
    """A service under test as Prometheus sees it: request counters by version and code and
    a latency histogram, advanced by wall-clock time at `rps` with `error_fraction` 5xx.
    Also takes the webhook router's POSTs at /hook (recorded in `hooks`)."""

    BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0)

    def __init__(self, version, rps=200.0, error_fraction=0.001, latency_s=0.08):
        self.version, self.rps, self.error_fraction, self.latency_s = version, rps, error_fraction, latency_s
        self.ok = self.errors = 0.0
        self.buckets = dict.fromkeys(self.BUCKETS, 0.0)
        self.count = self.sum = 0.0
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.hooks = []

    def _advance(self):
        now = time.monotonic()
        n = self.rps * (now - self.last)
        self.last = now
        self.errors += n * self.error_fraction
        self.ok += n * (1 - self.error_fraction)
        for le in self.BUCKETS:
            if self.latency_s <= le:
                self.buckets[le] += n
        self.count += n
        self.sum += n * self.latency_s

    def text(self) -> str:
        with self.lock:
            self._advance()
            v = self.version
            lines = [
                "# TYPE http_requests_total counter",
                f'http_requests_total{{version="{v}",code="200"}} {self.ok:.3f}',
                f'http_requests_total{{version="{v}",code="500"}} {self.errors:.3f}',
                "# TYPE http_request_duration_seconds histogram",
            ]
            for le in self.BUCKETS:
                lines.append(f'http_request_duration_seconds_bucket{{version="{v}",le="{le}"}} {self.buckets[le]:.3f}')
            lines.append(f'http_request_duration_seconds_bucket{{version="{v}",le="+Inf"}} {self.count:.3f}')
            lines.append(f'http_request_duration_seconds_count{{version="{v}"}} {self.count:.3f}')
            lines.append(f'http_request_duration_seconds_sum{{version="{v}"}} {self.sum:.3f}')
            return "\n".join(lines) + "\n"

    def handler(self):
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = exporter.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                exporter.hooks.append((self.headers.get("X-Portal-Signature"), self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        return Handler


class Prometheus:
    def __init__(self, binary, tmp_path, target, service):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: app\n    static_configs:\n"
            f"      - targets: ['{target}']\n        labels:\n          service: {service}\n"
        )
        self.log = open(tmp_path / "prometheus.log", "w")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited at start: " + Path(self.log.name).read_text()[-2000:])
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready in time")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
