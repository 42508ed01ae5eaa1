"""make bench, part 2: the line and the baseline served as deployed (gunicorn.conf.py, the
Procfile's worker count), each webhook driven by wrk; then whether every usage event reached the
store after a graceful stop, and the server's memory (the master's, and each worker's own)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twilio.request_validator import RequestValidator

from bench.webhooks import CALL, ROOT, TOKEN, WEBHOOKS, call, environ_for, nth_call
from ivr import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, port: int, scratch: str, extra: dict | None = None, log: str | None = None) -> subprocess.Popen:
    """The production set-up on ``port``; ``extra`` environment, and its log lines into ``log``."""
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "DATABASE_URL": f"sqlite:///{scratch}/usage.sqlite3",   # not the project's own figures
           "IVR_USAGE_SECRET": "bench-" + "s" * 32, "IVR_CONFIG": str(ROOT / "line.yaml"),
           "IVR_PUBLIC_URL": f"http://127.0.0.1:{port}", **(extra or {})}
    env.pop("WEB_CONCURRENCY", None)   # the Procfile's worker count: gunicorn.conf.py's default
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)   # each server its own, as gunicorn.conf.py makes it
    env.pop("IVR_SPOOL_DIR", None)
    env["PYTHONPATH"] = str(ROOT)
    output = open(log, "w") if log else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
                               cwd=scratch, env=env, stdout=output, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


CONNECTIONS = 16  # wrk's open connections
WRK_CALLS = 200   # signed requests of distinct calls (and steps) that wrk sends in turn


def wrk(port: int, path: str, query: str, form: dict, seconds: int) -> dict:
    url = f"http://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")
    # Like the in-process run: each request from another call, at its own step (n).
    lines = ["local requests = {}"]
    for index in range(WRK_CALLS):
        step_query, call_sid = nth_call(query, index)
        target = f"{path}?{step_query}" if step_query else path
        data = {**CALL, **form, "CallSid": call_sid}
        signature = RequestValidator(TOKEN).compute_signature(f"http://127.0.0.1:{port}{target}", data)
        body = "&".join(f"{k}={v}".replace("+", "%2B") for k, v in data.items())
        lines.append(f'requests[{index + 1}] = wrk.format("POST", "{target}", {{["Content-Type"] = '
                     f'"application/x-www-form-urlencoded", ["X-Twilio-Signature"] = "{signature}"}}, "{body}")')
    lines += ["local turn = 0", "request = function()", "  turn = turn % #requests + 1",
              "  return requests[turn]", "end"]
    script = "\n".join(lines) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", handle.name, url],
                            capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(handle.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"), "requests": int(total.group(1)),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


def events_per_request() -> dict[str, int]:
    """How many usage events each webhook records, counted in the store of a scratch line."""
    scratch = tempfile.mkdtemp(prefix="ivr-bench-")
    line = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "IVR_DATABASE_URL": f"sqlite:///{scratch}/usage.sqlite3",
                       "IVR_USAGE_SECRET": "bench"})
    recorder, counts, stored = line.extensions["ivr.usage"], {}, 0
    for name, method, path, query, form in WEBHOOKS:
        call(line, *environ_for(method, path, query, form))
        recorder.flush()
        now_stored = stored_events(recorder.store.url)
        counts[name], stored = now_stored - stored, now_stored
    shutil.rmtree(scratch, ignore_errors=True)
    return counts


def stored_events(url: str) -> int:
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM usage_events").scalar_one()
    finally:
        engine.dispose()


def end_to_end(seconds: int) -> dict | None:
    """Each webhook at the highest rate wrk can drive, then a graceful stop: every usage event the
    line's answers recorded must be in its store (none dropped on a full queue or a locked file)."""
    if shutil.which("wrk") is None:
        return None
    scratch = tempfile.mkdtemp(prefix="ivr-bench-")
    ports = {"line": free_port(), "baseline": free_port()}
    servers = [serve("ivr.wsgi:app", ports["line"], scratch), serve("bench.baseline:app", ports["baseline"], scratch)]
    results = []
    try:
        for name, method, path, query, form in WEBHOOKS:
            if method != "POST":
                continue
            line_run = wrk(ports["line"], path, query, form, seconds)
            base_run = wrk(ports["baseline"], path, query, form, seconds)
            results.append({"webhook": name, "line": line_run, "baseline": base_run,
                            "share": line_run["rps"] / base_run["rps"]})
        memory = deployed_memory(servers[0].pid)
    finally:
        for server in servers:
            server.terminate()   # SIGTERM: the line writes the events still queued before it stops
            server.wait(timeout=30)
    each = events_per_request()
    expected = sum(each[row["webhook"]] * row["line"]["requests"] for row in results)
    stored = stored_events(f"sqlite:///{scratch}/usage.sqlite3")
    shutil.rmtree(scratch, ignore_errors=True)
    # wrk does not count answers still in flight when a run ends (at most one a connection): their
    # events may be stored without being expected, which could hide as many lost ones.
    slack = CONNECTIONS * sum(each[row["webhook"]] for row in results)
    return {"webhooks": results, "events_expected": expected, "events_stored": stored, "events_slack": slack,
            "memory": memory}


def memory_mb(pid: int) -> dict[str, float]:
    """A process's memory as the kernel counts it (/proc/PID/smaps_rollup): all it maps (Rss), and
    what is its own, shared with no other process (Private_Clean + Private_Dirty)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return {"rss": fields["Rss"], "own": fields["Private_Clean"] + fields["Private_Dirty"]}


def deployed_memory(master: int) -> dict | None:
    """The server's memory after the runs: the app is loaded once, in gunicorn's master, and each
    worker forked from it (gunicorn.conf.py, preload_app) shares what it has not changed since."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if not children.exists():   # (a kernel without CONFIG_PROC_CHILDREN)
        return None
    workers = [memory_mb(int(pid)) for pid in children.read_text().split()]
    return {"master": memory_mb(master), "workers": workers}
