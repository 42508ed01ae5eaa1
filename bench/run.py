"""make bench: the line's speed, always beside a bare Flask baseline measured in the same run.

1. In-process: each webhook called as WSGI against a bare Flask app with a static route
   that does the same signature check and returns a constant TwiML (bench/baseline.py),
   written as Twilio's Flask example does; and against a lean one that reads the request
   the way the line does (cheaper than werkzeug's request.form), so that the line's own
   work is shown too, not hidden by what it saves on reading the request.
   The line is built as deployed (ivr.wsgi's create_app: the real clock, a SQLite usage
   store like the default, the usage writer running). Each request comes from another call
   (3000 calls, cycled: more than the line keeps per call). Runs of --calls calls of the three
   alternate; each is measured in process CPU time, which counts the usage writer's thread
   too (its queue is flushed inside the run). The figure is the median run, with the spread
   of the ratio over the runs. After each run, the cost of a step the line has not answered
   before (cold(): every cache of its answers emptied first), as a ratio to that run's baseline.
2. End to end (bench/end_to_end.py): both served by gunicorn on 127.0.0.1 (gunicorn.conf.py,
   the Procfile's worker count), loaded by `wrk` when it is installed: requests a second,
   p50/p99, the ratio.
   Then the line's memory as deployed: its master's, and what each worker has of its own
   (the app is loaded in the master and the workers forked from it share the rest).
3. Start-up time and memory of one process building the line with 9 languages, and with 30
   and 60 (extra languages generated from the Polish catalog, kept off the language menu).

Targets (issues 7, 15 and 22): each webhook within 1.15x of the baseline in-process, and a
step not answered before within 2x; at least 85% of its requests a second end to end;
start-up under 1.5 s and under 80 MB a worker with nine languages; each added language
under 20 ms of start-up.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if __name__ == "__main__":   # (not when another module imports from here)
    # As deployed (gunicorn.conf.py): the metrics in prometheus_client's multiprocess mode, each
    # count written to a memory-mapped file. Set before prometheus_client is first imported.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ivr-bench-metrics-"))

from bench import baseline  # noqa: E402
from bench.end_to_end import end_to_end  # noqa: E402
from bench.webhooks import BASE, ROOT, STEPS, TOKEN, WEBHOOKS, call, environ_for, nth_call  # noqa: E402
from ivr import create_app  # noqa: E402

EXTRA_LANGUAGES = [   # (code, Google voice region) for the start-up growth; catalogs copied from Polish
    "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "sv-SE", "da-DK", "nb-NO", "fi-FI", "cs-CZ", "hu-HU",
    "el-GR", "tr-TR", "ru-RU", "uk-UA", "hr-HR", "sr-RS", "sl-SI", "lv-LV", "et-EE", "is-IS", "ca-ES",
    "eu-ES", "gl-ES", "af-ZA", "ms-MY", "id-ID", "vi-VN", "th-TH", "fil-PH", "hi-IN", "bn-IN", "ta-IN",
    "te-IN", "mr-IN", "gu-IN", "kn-IN", "ml-IN", "pa-IN", "ur-PK", "fa-IR", "he-IL", "sw-KE", "zu-ZA",
    "ko-KR", "ja-JP", "mn-MN", "ka-GE", "hy-AM", "az-AZ", "kk-KZ",
]


# -- 1. in-process ---------------------------------------------------------------------

CALLERS = 3000   # distinct calls the in-process requests cycle through: more than the line's per-call cache


def in_process(rounds: int, calls: int) -> list[dict]:
    scratch = tempfile.mkdtemp(prefix="ivr-bench-")
    # As deployed (ivr/wsgi.py): the real clock, the public address the requests are signed for;
    # the usage store a SQLite file like the default one, in a scratch folder so that the
    # benchmark's calls are not counted in the figures.
    line = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "IVR_PUBLIC_URL": BASE,
                       "IVR_DATABASE_URL": f"sqlite:///{scratch}/usage.sqlite3", "IVR_USAGE_SECRET": "bench"})
    recorder = line.extensions["ivr.usage"]
    for handler in logging.getLogger().handlers:   # as costly as in production, but out of the report
        handler.setStream(open(os.devnull, "w"))
    yardsticks = {"baseline": baseline.create_app(TOKEN), "lean": baseline.create_app(TOKEN, lean=True)}
    results = []
    for name, method, path, query, form in WEBHOOKS:
        # Each request from another call (signed for it), as in a surge of calls: nothing the line
        # keeps per call (its usage id) is reused between requests.
        # Each at its own step of its call (n, as the line's own URLs carry it): 40 URLs a webhook.
        requests = [environ_for(method, path, step_query, form, call_sid)
                    for step_query, call_sid in (nth_call(query, index) for index in range(CALLERS))]
        apps = {"line": line, **yardsticks}
        for label, app in apps.items():   # each answers as it does in production, before timing
            status = call(app, *requests[0])
            assert status in (200, 304), (name, label, status)
        timings = {label: [] for label in apps}
        colds = []
        for round_ in range(rounds):
            for label, app in apps.items():
                start = time.process_time()
                for index in range(round_ * calls, (round_ + 1) * calls):   # on round the cycle
                    call(app, *requests[index % CALLERS])
                if app is line:
                    recorder.flush()   # the writer's work belongs to these calls
                timings[label].append((time.process_time() - start) / calls * 1e6)
            # The first-time step beside this round's baseline, so that the machine's load moves both.
            colds.append(cold(line, requests, min(calls, 200)))
            for request in requests[:STEPS]:   # every step answered again, before the next round
                call(line, *request)
        row = {"webhook": name, **{f"{label}_us": statistics.median(runs) for label, runs in timings.items()}}
        cold_ratios = [c / b for c, b in zip(colds, timings["baseline"])]
        row.update(cold_us=statistics.median(colds), cold_ratio=statistics.median(cold_ratios),
                   cold_ratio_min=min(cold_ratios), cold_ratio_max=max(cold_ratios))
        for label in yardsticks:
            ratios = [l / b for l, b in zip(timings["line"], timings[label])]
            suffix = "" if label == "baseline" else f"_{label}"
            row.update({f"ratio{suffix}": row["line_us"] / row[f"{label}_us"], f"ratio{suffix}_min": min(ratios),
                        f"ratio{suffix}_max": max(ratios)})
        results.append(row)
    line.extensions["ivr.usage"].flush()
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def cold(app, requests: list, calls: int) -> float:
    """CPU time of a request the line has not answered before: every cache of its answers emptied
    first (what a step costs the first time it is reached, or once the caches have forgotten it).
    The caches are the memos of the engine, its transfers and the renderer, and the URLs read; what
    the line makes once when it starts (every place's choices, the speech of everything it can
    say) is not counted."""
    engine, renderer = app.extensions["ivr.engine"], app.extensions["ivr.renderer"]
    spent = 0.0
    for index in range(calls):
        for owner in (engine, engine.transfers, renderer):
            for memo in vars(owner).values():
                if hasattr(memo, "cache_clear"):
                    memo.cache_clear()
        app.extensions.pop("ivr.urls", None)
        start = time.process_time()
        call(app, *requests[index % len(requests)])
        spent += time.process_time() - start
    app.extensions["ivr.usage"].flush()
    return spent / calls * 1e6


# -- 3. start-up and memory -----------------------------------------------------------------

STARTUP = textwrap.dedent("""
    import json, sys, time
    start = time.perf_counter()
    from ivr import create_app, vocabulary
    # The extra languages are stand-ins (Polish words): their Google voices are in Twilio's
    # definitions, but ivr/twilio_voices.yaml records no rows of theirs, so they count as listed here.
    known = vocabulary.load()
    for voice in sys.argv[2:]:
        known.voices[voice] = vocabulary.Voice(voice, voice.split(".")[1].rsplit("-", 2)[0], "Google", "listed", "Standard")
    app = create_app({"TWILIO_AUTH_TOKEN": "x", "IVR_ROOT": sys.argv[1], "IVR_CONFIG": sys.argv[1] + "/line.yaml",
                      # As deployed: line.yaml sets up texts, which the account's SID lets the line
                      # offer (no text is sent; the client is made when the first one is).
                      "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                      "IVR_PUBLIC_URL": "https://line.example.org",   # as deployed (ivr/wsgi.py)
                      "IVR_DATABASE_URL": "sqlite:///" + sys.argv[1] + "/usage.sqlite3"})
    seconds = time.perf_counter() - start
    rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss}))
""")


def line_with(languages: int, folder: Path) -> Path:
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("audio"))
    (folder / "prompts" / "audio").symlink_to(ROOT / "prompts" / "audio")
    shutil.copytree(ROOT / "locales", folder / "locales")
    settings = yaml.safe_load((ROOT / "line.yaml").read_text())
    for tag in EXTRA_LANGUAGES[:max(0, languages - len(settings["languages"]))]:
        code = tag.split("-")[0]
        settings["languages"].append({"code": code, "voice": f"Google.{tag}-Standard-A", "say_language": tag,
                                      "speech": None, "menu": False})
        target = folder / "locales" / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        # A comment of its own, so that no two catalogs are the same bytes (the line parses each
        # distinct catalog once a process: identical copies would be parsed once for all).
        polish = (ROOT / "locales" / "pl" / "LC_MESSAGES" / "ivr.po").read_text(encoding="utf-8")
        (target / "ivr.po").write_text(f"# {tag}: a copy of the Polish catalog, for the benchmark\n{polish}",
                                       encoding="utf-8")
    (folder / "line.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    return folder


def startup(counts=(9, 30, 60), runs: int = 3) -> list[dict]:
    results = []
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="ivr-bench-") as scratch:
            root = line_with(count, Path(scratch))
            stand_ins = [f"Google.{tag}-Standard-A" for tag in EXTRA_LANGUAGES[:max(0, count - 9)]]
            measured = []
            for _ in range(runs):
                out = subprocess.run([sys.executable, "-c", STARTUP, str(root), *stand_ins], capture_output=True, text=True,
                                     cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
                measured.append(json.loads(out.strip().splitlines()[-1]))
            results.append({"languages": count, "seconds": statistics.median(m["seconds"] for m in measured),
                            "rss_mb": statistics.median(m["rss_mb"] for m in measured)})
    return results


# -- the report ---------------------------------------------------------------------------

def mark(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="runs of each app per webhook")
    parser.add_argument("--calls", type=int, default=2000, help="calls in each run")
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    print(f"Benchmark of the line, {dt.datetime.now():%Y-%m-%d %H:%M}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores\n")
    report = {}
    print(f"1. In-process (WSGI as deployed, CPU time per request over runs of {args.calls} calls, "
          "signature checks on both)")
    report["in_process"] = in_process(args.rounds, args.calls)
    for row in report["in_process"]:
        print(f"   {row['webhook']:<17} line {row['line_us']:6.1f} us   baseline {row['baseline_us']:6.1f} us   "
              f"ratio {row['ratio']:.2f}x (runs {row['ratio_min']:.2f} to {row['ratio_max']:.2f})   "
              f"{mark(row['ratio'] <= 1.15)} (1.15x)   |   lean {row['lean_us']:6.1f} us, "
              f"{row['ratio_lean']:.2f}x (runs {row['ratio_lean_min']:.2f} to {row['ratio_lean_max']:.2f})")
    print("   (lean: the bare route reading the request as the line does; its ratio is the line's own work)")
    print("   A step the line has not answered before (every cache of its answers emptied first):")
    for row in report["in_process"]:
        print(f"   {row['webhook']:<17} {row['cold_us']:7.1f} us   {row['cold_ratio']:.2f}x the baseline (runs "
              f"{row['cold_ratio_min']:.2f} to {row['cold_ratio_max']:.2f})   {mark(row['cold_ratio'] <= 2)} (2x)")

    print("\n2. End to end (gunicorn on 127.0.0.1, wrk -t2 -c16)")
    report["end_to_end"] = end_to_end(args.seconds)
    if report["end_to_end"] is None:
        print("   skipped: wrk is not installed (apt-get install wrk)")
    else:
        for row in report["end_to_end"]["webhooks"]:
            line_run, base_run = row["line"], row["baseline"]
            print(f"   {row['webhook']:<17} line {line_run['rps']:8.0f} req/s (p50 {line_run['p50']}, "
                  f"p99 {line_run['p99']})   baseline {base_run['rps']:8.0f} req/s (p50 {base_run['p50']}, "
                  f"p99 {base_run['p99']})   {100 * row['share']:.0f}%   {mark(row['share'] >= 0.85)}")
        expected, stored = report["end_to_end"]["events_expected"], report["end_to_end"]["events_stored"]
        slack = report["end_to_end"]["events_slack"]
        lost_at_most = max(0, expected + slack - stored)
        print(f"   usage events: {stored} stored after a graceful stop, for {expected} recorded by the answers wrk "
              f"counted (and up to {slack} by answers in flight when a run ended, which wrk does not count): "
              f"at most {lost_at_most} lost   {mark(stored >= expected)} (none lost that the count can see)")
        memory = report["end_to_end"]["memory"]
        if memory:
            own = statistics.median(worker["own"] for worker in memory["workers"])
            print(f"   memory after the runs: the master {memory['master']['rss']:.0f} MB, and {len(memory['workers'])} "
                  f"workers forked from it, each {own:.1f} MB of its own (the rest shared with the master)")

    print("\n3. Start-up and memory of one process building the line")
    report["startup"] = startup()
    for row in report["startup"]:
        print(f"   {row['languages']:>2} languages: {row['seconds']:.2f} s, {row['rss_mb']:.0f} MB")
    nine = report["startup"][0]
    last = report["startup"][-1]
    per_language = (last["seconds"] - nine["seconds"]) / (last["languages"] - nine["languages"]) * 1000
    per_language_mb = (last["rss_mb"] - nine["rss_mb"]) / (last["languages"] - nine["languages"])
    print(f"   with nine languages: {mark(nine['seconds'] < 1.5 and nine['rss_mb'] < 80)} (1.5 s, 80 MB)")
    print(f"   each added language: {per_language:.1f} ms, {per_language_mb:.2f} MB   {mark(per_language < 20)} (20 ms)")
    report["per_language_ms"] = per_language
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
