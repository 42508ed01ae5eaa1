# gunicorn settings for the line (the Procfile runs `gunicorn -c gunicorn.conf.py ivr.wsgi:app`).
# Each can be changed through the environment named beside it, without editing this file.
# gevent workers (below) patch the standard library when they start; the app is loaded before
# that (preload_app), and it imports ssl (twilio, requests): patch first, or ssl is patched late
# and HTTPS (sending a text) can fail in the workers.
from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402

from gunicorn import glogging  # noqa: E402

# Where to listen: the platform's $PORT, or 127.0.0.1:8000 behind your own nginx.
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"]
elif os.environ.get("PORT"):
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:8000"

# Webhooks are short and CPU-bound: about two workers per core. Each worker is a gevent worker:
# a client that sends its request a byte a second waits in a greenlet of its own and holds
# nothing else, so a hundred of them leave Twilio's requests answered at once (measured:
# tests/test_production_server.py; with sync or gthread workers they sometimes held every
# worker). Bodies are at most 16 kB (ivr/limits.py). Behind nginx, nginx buffers each request
# first as well (see the README).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gevent"
worker_connections = 1000

# Twilio waits 15 s for a webhook; a worker stuck longer than this is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 20))
# A stop (SIGTERM, a deploy) lets calls in progress finish, and writes the queued usage events.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 10))
keepalive = 5

# Load the app once before forking: a broken line.yaml stops the start with one clear message,
# and the workers share the loaded prompts.
preload_app = True

# Which proxies may set X-Forwarded-* for gunicorn itself. The app's own trust of those headers
# (for the Twilio signature check) is IVR_PROXY_HOPS; see the README's Deploy section.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No header sets the app's SCRIPT_NAME or PATH_INFO, not even from 127.0.0.1 (gunicorn trusts
# "SCRIPT_NAME,PATH_INFO" from forwarded_allow_ips by default: a SCRIPT_NAME header got a 500,
# the red team's L7). The line is served at the root; its public address is IVR_PUBLIC_URL.
forwarder_headers = ""

# No access log: the app writes its own JSON log lines, which never hold a caller's number.
accesslog = None


class LineLogger(glogging.Logger):
    """gunicorn's logger, with no access lines at all. With logconfig_dict set (below), gunicorn
    counts the access log as configured and, for every request, gathers the line's fields and makes
    a log record that no handler writes: measured, 12 to 15% of what a worker could answer
    (docs/performance.md). "You can provide your own logger by giving Gunicorn a Python path to a
    class that quacks like gunicorn.glogging.Logger" (https://docs.gunicorn.org/en/stable/settings.html#logger-class)."""

    def access(self, resp, req, environ, request_time):
        return None


logger_class = LineLogger

# gunicorn's own lines (start, workers, errors) as JSON too, like the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ivr.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": []},   # the app adds its own handler (ivr/logs.py)
    "loggers": {"gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": False}},
}

# Metrics from every worker (ivr/metrics.py): prometheus_client's multiprocess mode keeps each
# worker's values in files in this folder, emptied at each start. Set before the app is loaded.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ivr-metrics-")
else:
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for stale in os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"]):
        os.remove(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], stale))


# Each worker's usage events, kept on disk until stored (ivr/spool.py): a worker killed by the kernel
# loses at most what it was answering. Set before the app is loaded.
if not os.environ.get("IVR_SPOOL_DIR"):
    import tempfile
    os.environ["IVR_SPOOL_DIR"] = tempfile.mkdtemp(prefix="ivr-spool-")
os.makedirs(os.environ["IVR_SPOOL_DIR"], exist_ok=True)


def _usage_store(server):
    usage = server.app.wsgi().extensions.get("ivr.usage")
    return usage.store if usage is not None else None


def when_ready(server):
    """Events a previous run left on disk (the machine stopped): stored now."""
    from ivr import spool
    store = _usage_store(server)
    if store is not None:
        spool.recover_left(os.environ["IVR_SPOOL_DIR"], store, server.log)


def pre_fork(server, worker):
    """What the master built when it loaded the app (the line's tables, its speech, every module)
    lives as long as the workers: kept out of their garbage collections, it is neither walked by
    each collection nor written to by it, so its pages stay shared with the master instead of being
    copied into every worker. The Python documentation's advice for a process that forks without
    exec: "gc.freeze() right before fork()" (https://docs.python.org/3/library/gc.html#gc.freeze).
    What it saves is measured in docs/performance.md (`make bench`, memory after the runs)."""
    gc.freeze()


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
    from ivr import spool
    store = _usage_store(server)
    if store is not None:   # what a worker that ended had not stored (nothing, after a graceful stop)
        spool.recover(os.environ["IVR_SPOOL_DIR"], worker.pid, store, server.log)


def worker_exit(server, worker):
    """A graceful stop (SIGTERM) writes the usage events still queued, within graceful_timeout, and
    says in one line how many it could not."""
    usage = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("ivr.usage")
    if usage is not None:
        left = usage.flush(timeout=max(1, graceful_timeout - 2))
        if left:
            server.log.error("usage figures: %d events could not be written before the stop (the store did not "
                             "take them within %d s)", left, max(1, graceful_timeout - 2))
