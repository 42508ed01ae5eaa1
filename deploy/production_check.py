"""Install the line exactly as production does and walk a whole call through it (`make production-check`).

1. A fresh virtual environment in a scratch folder, with the PaaS install: `pip install -r
   requirements.txt` (which is requirements.lock, hash-checked) and nothing else: not the test
   lock, not `pip install .`.
2. The Procfile's `web` command, run as a platform runs it: from the checkout, with `$PORT` set,
   the virtual environment first on PATH, and the settings production requires.
3. `python -m ivr walk` against it: health, greeting, language, a message, 0, the whisper
   accepted on the team's leg, the transfer's end, each request signed.
4. A graceful stop, which must end cleanly.

Each stage prints one line; a failure names the stage (and the walk names its step). Runs with
the standard library only, on the Python that will build the environment.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fail(stage: str, detail: str) -> None:
    sys.exit(f"production check FAILED at {stage}: {detail}")


def procfile_command(name: str = "web") -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return command.strip()
    fail("the Procfile", f"it has no {name}: process")
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(stage: str, command: list[str], **options) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **options)
    if result.returncode != 0:
        fail(stage, f"`{' '.join(command)}` exited {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="ivr-production-"))
    venv = scratch / "venv"
    started = time.monotonic()
    run("creating the virtual environment", [sys.executable, "-m", "venv", str(venv)])
    run("installing requirements.txt (the production lock)",
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r",
         str(ROOT / "requirements.txt")], cwd=ROOT)
    print(f"installed requirements.txt in a fresh environment ({time.monotonic() - started:.0f} s)")

    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("IVR_", "TWILIO_", "VIRTUAL_ENV"))}
    env.update({
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "PORT": str(port),                                   # as a platform sets it
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "IVR_USAGE_SECRET": secrets.token_hex(32),
        "IVR_PUBLIC_URL": f"http://127.0.0.1:{port}",             # where this check's walk calls it
        "DATABASE_URL": f"sqlite:///{scratch / 'usage.sqlite3'}",   # not the checkout's own figures
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "metrics"),
    })
    env.pop("PYTHONPATH", None)
    command = procfile_command()
    log = (scratch / "server.log").open("w")
    server = subprocess.Popen(["sh", "-c", f"exec {command}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                log.flush()
                fail("starting the Procfile's web process", f"`{command}` exited {server.returncode}:\n"
                     + (scratch / "server.log").read_text()[-3000:])
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    fail("starting the Procfile's web process", "no answer on /healthz within 60 s")
                time.sleep(0.2)
        print(f"started the Procfile's web process: {command} (PORT={port})")
        walked = subprocess.run([str(venv / "bin" / "python"), "-m", "ivr", "walk", f"http://127.0.0.1:{port}"],
                                cwd=ROOT, env=env, capture_output=True, text=True)
        print(walked.stdout, end="")
        if walked.returncode != 0:
            fail("the walk", walked.stderr.strip() or walked.stdout[-2000:])
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                fail("the graceful stop", "the server did not stop within 30 s of SIGTERM")
    if server.returncode != 0:
        fail("the graceful stop", f"the server exited {server.returncode}:\n" + (scratch / "server.log").read_text()[-3000:])
    print("stopped gracefully")
    shutil.rmtree(scratch, ignore_errors=True)
    print("OK: installed from requirements.lock alone, the Procfile's process answered a whole call")


if __name__ == "__main__":
    main()
