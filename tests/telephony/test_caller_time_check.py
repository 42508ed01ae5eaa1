"""What `check` says of caller time: measured by espeak-ng, each place over its budget fails the
check, named by language, place and seconds; on a machine without espeak-ng, the estimate only
warns (an estimate is no measurement to fail on)."""
import re

import pytest
import yaml

from ivr import timings

from ..conftest import command_in, line_settings, make_root


@pytest.mark.parametrize("kind", ["to_a_person", "to_a_person_after_language", "first_menu", "language_menu",
                                  "menu", "message", "before_transfer"])
def test_check_fails_naming_the_language_place_and_seconds_when_a_budget_is_exceeded(tmp_path, kind):
    settings = line_settings()
    settings["languages"] = settings["languages"][:2]     # English and Polish
    root = make_root(tmp_path / "line", settings)
    menu = root / "prompts" / "menu.yaml"
    raw = yaml.safe_load(menu.read_text())
    raw["budgets"][kind] = 1
    menu.write_text(yaml.safe_dump(raw, allow_unicode=True))
    result = command_in(root, "check")
    assert result.exit_code == 1
    over = [line for line in result.output.splitlines() if "over its budget of 1 s" in line]
    assert over, result.output
    for line in over:
        assert re.match(r"problem: language (en-GB|pl): .+: \d+\.\d s of audio, over its budget of 1 s", line), line
    assert any(line.startswith("problem: language pl:") for line in over) or kind == "language_menu"


def test_check_without_espeak_warns_instead_of_failing_on_an_estimate(command, monkeypatch):
    monkeypatch.setattr(timings.shutil, "which", lambda name: None)
    result = command("check")
    assert result.exit_code == 0, result.output
    assert "warning: espeak-ng is not installed, so caller time is not measured" in result.output
