"""The README's commands work: each one it names is run by a test (listed here, so that a new
command in the README needs one), and the ones a newcomer runs first are run here as written."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from ivr import cli, vocabulary_build

from ..conftest import ROOT
from ..server import free_port

# Each command the README names -> the test that runs it (file::function), or why none can.
RUN_BY = {
    "make run": "telephony/test_readme.py::test_make_run_serves_the_line_in_development_mode",
    "make test": ".ci/run runs it, twice",
    "make help": "telephony/test_readme.py::test_make_help_lists_every_make_command_the_readme_names",
    "make install": ".ci/run (make test installs first)",
    "make production-check": ".ci/run runs it",
    "make call": "telephony/test_terminal_call.py::test_every_make_call_example_in_the_readme_does_what_its_comment_says",
    "make check": "translators/test_translation_mechanisms.py::test_a_text_too_long_fails_the_check",
    "make status": "translators/test_translations.py::test_status_shows_every_language_its_voice_and_its_review_state",
    "make stats": "telephony/test_operations.py::test_the_stats_command_prints_the_figures_for_those_events",
    "make screenshots": "telephony/test_readme.py::test_the_screenshots_script_photographs_both_pages",
    "make bench": "not in the tests: it takes minutes on a quiet machine (docs/performance.md)",
    "make attack": "telephony/test_production_server.py::test_signed_calls_are_answered_while_100_slow_clients_hold_connections",
    "make lock": "not in the tests: it rewrites the locks from PyPI; make production-check proves what it wrote",
    "make mutants": "not in the tests: about half an hour (tests/mutants.md)",
    "make twilio-vocabulary": "telephony/test_readme.py::test_the_committed_vocabulary_is_what_make_twilio_vocabulary_makes",
    "make schema": "telephony/test_config.py::test_line_schema_json_and_the_readme_table_are_what_the_schema_makes",
    "ivr call": "telephony/test_terminal_call.py::test_every_make_call_example_in_the_readme_does_what_its_comment_says",
    "ivr check": "translators/test_translation_mechanisms.py::test_check_live_passes_when_every_language_is_signed_off",
    "ivr fallback-twiml": "telephony/test_operations.py::test_the_fallback_is_published_on_twilios_servers_and_the_number_points_at_it",
    "ivr recordings script": "translators/test_recordings.py::test_the_recording_script_lists_every_file_once_with_its_words_tone_and_pieces",
    "ivr recordings make": "translators/test_recordings.py::test_recordings_make_converts_human_recordings_and_remembers_them",
    "ivr smoke-call": "telephony/test_go_live.py::test_the_smoke_call_rings_every_language_presses_its_key_and_a_message_never_0",
    "ivr stats": "telephony/test_operations.py::test_the_stats_command_prints_the_figures_for_those_events",
    "ivr timings": "translators/test_translation_mechanisms.py::test_timings_on_an_estimate_warn_instead_of_failing",
    "ivr translations listen": "translators/test_translations.py::test_the_listen_through_page_of_one_language",
    "ivr translations sign-off": "translators/test_translation_mechanisms.py::test_check_live_passes_when_every_language_is_signed_off",
    "ivr translations status": "translators/test_translations.py::test_status_shows_every_language_its_voice_and_its_review_state",
    "ivr translations update": "translators/test_translations.py::test_update_keeps_translations_and_marks_changed_english_fuzzy",
    "ivr twilio-number": "telephony/test_operations.py::test_the_command_with_an_api_key_pair_shows_and_applies",
    "ivr walk": "telephony/test_production_server.py::test_the_walk_answers_a_whole_call_and_names_a_failing_step",
}
COMMAND = re.compile(r"(?:^|`)(make [a-z-]+|(?:flask --app ivr|python -m ivr|ivr) [a-z-]+"
                     r"(?: (?:make|script|sign-off|status|update|listen))?)", re.M)


def readme_commands() -> set[str]:
    found = set()
    for command in COMMAND.findall((ROOT / "README.md").read_text()):
        command = command.replace("flask --app ivr ", "ivr ").replace("python -m ivr ", "ivr ")
        found.add(command)
    return found


def test_every_command_in_the_readme_is_run_by_a_test():
    commands = readme_commands()
    assert "ivr smoke-call" in commands and "make production-check" in commands   # the reading works
    missing = commands - set(RUN_BY)
    assert not missing, f"commands in the README that no test runs: {sorted(missing)}"
    for command, where in RUN_BY.items():
        if "::" not in where:
            continue
        path, _, name = where.partition("::")
        assert f"def {name}(" in (ROOT / "tests" / path).read_text(), f"{command}: {where} does not exist"


def test_every_command_of_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text()
    known = {command.name: command for command in cli.COMMANDS}
    for command in readme_commands():
        words = command.split()
        if words[0] == "make":
            assert re.search(rf"^{words[1]}:", makefile, re.M), command
        else:
            assert words[1] in known, command
            if len(words) > 2:
                assert words[2] in known[words[1]].commands, command


@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv" / ".installed").exists(),
                    reason="make run needs make and the project's .venv (make install)")
def test_make_run_serves_the_line_in_development_mode():
    port = free_port()
    server = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/voice", data=b"",
                                                                       method="POST"), timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "make run did not serve the line within 60 s"
                time.sleep(0.3)
        assert answer.status == 200 and b"<Gather" in answer.read()   # unsigned: development mode, this machine
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert f"Serving the line on http://127.0.0.1:{port} in development mode" in output


def test_make_help_lists_every_make_command_the_readme_names():
    listed = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0
    for command in readme_commands():
        if command.startswith("make "):
            assert f"  {command} " in listed.stdout.replace("\t", " "), command


def test_the_committed_vocabulary_is_what_make_twilio_vocabulary_makes():
    """ivr/twilio_vocabulary.json is derived, never edited: made again from the same twilio package
    (the npm registry) and ivr/twilio_voices.yaml, it is the same."""
    committed = json.loads(vocabulary_build.VOCABULARY.read_text())
    try:
        made = vocabulary_build.build(committed["definitions"]["version"])
    except OSError as error:
        pytest.skip(f"the npm registry cannot be reached here ({error})")
    for vocabulary in (committed, made):
        vocabulary["definitions"].pop("made")
    assert made == committed


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_screenshots_script_photographs_both_pages(tmp_path):
    """`make screenshots`, into a scratch folder instead of docs/."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    screenshots.main(out=tmp_path, chromium=shutil.which("chromium"))
    for name in ("console-status.png", "console-simulator.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
