"""The production server (the Procfile's gunicorn, with gunicorn.conf.py) on a free loopback port,
for the tests that need a real server: slow clients, a graceful stop."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from .conftest import ROOT, TOKEN

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, workers: int = 2, app: str = "ivr.wsgi:app", **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = tmp / "usage.sqlite3"
        environ = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                   "TWILIO_AUTH_TOKEN": TOKEN, "IVR_ROOT": str(ROOT), "IVR_CONFIG": str(ROOT / "line.yaml"),
                   "DATABASE_URL": f"sqlite:///{self.database}", "IVR_USAGE_SECRET": "s" * 32,
                   "IVR_PUBLIC_URL": self.base,
                   "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"), "GUNICORN_GRACEFUL_TIMEOUT": "3", **env}
        environ.pop("IVR_DEVELOPMENT", None)
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = tmp / "server.log"   # what the server wrote (JSON lines)
        tmp.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", app], cwd=ROOT,
                                            env=environ, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:   # a whole request: a bare connection would keep a handler waiting for one
                import http.client
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                probe.request("GET", "/healthz")
                probe.getresponse().read()
                probe.close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the production server did not start")

    def logged(self) -> list[dict]:
        import json
        lines = []
        for line in self.log.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append({"message": line})
        return lines

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def signed_post(self, path: str, form: dict, timeout: float = 5.0) -> tuple[int, bytes]:
        """A request as Twilio sends one, signed for the URL it is sent to."""
        import http.client
        url = self.base + path
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("POST", path, body=urlencode(form), headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self, sig=signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def nginx_in_front(tmp: Path, port: int, ports: list[int]) -> subprocess.Popen:
    """deploy/nginx.conf, as shipped but for what a test needs: plain HTTP on a loopback port (the
    Host with its port), these upstreams."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("    server 127.0.0.1:8000;", "\n".join(f"    server 127.0.0.1:{p};" for p in ports))
    site = re.sub(r"    listen 443 ssl;\n", f"    listen 127.0.0.1:{port};\n", site)
    site = re.sub(r"    ssl_certificate.*\n", "", site)
    site = site.replace("proxy_set_header Host $host;", "proxy_set_header Host $http_host;")
    site = site.replace("location / {", "location / {\n        add_header X-Instance $upstream_addr always;")
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / folder).mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(f"""daemon off;
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""")
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("nginx did not start: " + (tmp / "error.log").read_text())
