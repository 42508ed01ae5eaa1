"""line.yaml mistakes stop the start with a message that names the key and the problem."""

import pytest

from ivr import config_path, create_app
from ivr.config_reader import parse
from ivr.files import ConfigError

from ..conftest import ROOT, line_settings, shipped_settings


def problems_with(change) -> list[str]:
    settings = line_settings()
    change(settings)
    with pytest.raises(ConfigError) as caught:
        parse(settings)
    return caught.value.problems


def test_the_shipped_line_yaml_is_valid():
    config = parse(line_settings())
    assert [lang.code for lang in config.languages] == ["en-GB", "pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk"]
    assert config.language("ga").speaks is False
    assert config.contacts["gateway"].number == "+443001234333"


@pytest.mark.parametrize("change, key, words", [
    (lambda s: s["contacts"]["gateway"].update(numbers=[{"number": "03001234333"}]),
     "contacts.gateway.numbers[0].number", "E.164"),
    (lambda s: s["contacts"]["gateway"].update(numbers=[{"number": 443001234333}]),
     "contacts.gateway.numbers[0].number", "E.164"),
    (lambda s: s["contacts"]["emergency_social_work"].update(number="03001234333"),
     "contacts.emergency_social_work.number", "E.164"),
    (lambda s: s["contacts"]["gateway"].update(number="+443001234333"), "contacts.gateway.numbers",
     "either number or numbers"),
    (lambda s: s["contacts"]["gateway"].update(numbers=[]), "contacts.gateway.numbers", "at least one number"),
    (lambda s: s["contacts"]["gateway"].update(numbers=[{"number": "+443001234333"}, {"number": "+443001234333"}]),
     "contacts.gateway.numbers[1].number", "listed twice"),
    (lambda s: s["contacts"]["gateway"].update(numbers=[{"number": "+443001234333", "ring_seconds": 2}]),
     "contacts.gateway.numbers[0].ring_seconds", "whole number from 10 to 120"),
    (lambda s: s["contacts"]["gateway"].update(screen="yes"), "contacts.gateway.screen", "true"),
    (lambda s: s["transfer"].update(screen_seconds=0), "transfer.screen_seconds", "whole number from 3 to 60"),
    (lambda s: s["contacts"]["gateway"].update(spoken="0300 1234 334"), "contacts.gateway.spoken",
     "not the same number"),
    (lambda s: s.update(timezone="Europe/Belfast_City"), "timezone", "not a known time zone"),
    (lambda s: s.pop("timezone"), "timezone", "missing"),
    (lambda s: s["office_hours"].update(days=["Mon", "Funday"]), "office_hours.days[1]", "not a weekday"),
    (lambda s: s["office_hours"].update(open="17:00", close="09:00"), "office_hours.close", "not after"),
    (lambda s: s["office_hours"].update(open=540), "office_hours.open", "09:00 read as a number"),
    (lambda s: s["office_hours"].update(open="nine"), "office_hours.open", "in quotes"),
    (lambda s: s["office_hours"].update(days=[]), "office_hours.days", "never open"),
    (lambda s: s["contacts"]["emergency_social_work"].update(number="+442895049999\n"),
     "contacts.emergency_social_work.number", "E.164"),
    (lambda s: s["texting"].update({"from": "+447700900000\n"}), "texting.from", "E.164"),
    (lambda s: s["contacts"]["emergency_social_work"].update(spoken="9999"),
     "contacts.emergency_social_work.spoken", 'like "028 9504 9999"'),
    (lambda s: s["contacts"]["gateway"].update(spoken="333"), "contacts.gateway.spoken", "not the same number"),
    (lambda s: s.update(routeing={"in_hours": "gateway"}), "routeing", "did you mean routing?"),
    (lambda s: s["office_hours"].update(clsoe="17:00"), "office_hours.clsoe", "did you mean close?"),
    (lambda s: s["languages"][1].update(voise="Polly.Ola-Neural"), "languages[1].voise", "did you mean voice?"),
    (lambda s: s["contacts"]["gateway"].update(screening=False), "contacts.gateway.screening", "did you mean screen?"),
    (lambda s: s["office_hours"].update(closures=[{"from": "2026-12-31 13:00", "to": "2026-12-31 09:00"}]),
     "office_hours.closures[0].to", "ends before it starts"),
    (lambda s: s["office_hours"].update(closures=["the 24th"]), "office_hours.closures[0]", "not a date"),
    (lambda s: s["office_hours"].update(bank_holidays={"country": "GB", "subdivision": "XYZ"}),
     "office_hours.bank_holidays.subdivision", "not a subdivision"),
    (lambda s: s["office_hours"].update(bank_holidays={"country": "ZZ"}),
     "office_hours.bank_holidays.country", "not a country"),
    (lambda s: s["office_hours"].update(bank_holidays={"country": "utils"}),   # a module of the package
     "office_hours.bank_holidays.country", "not a country"),
    (lambda s: s["office_hours"].update(bank_holidays={"country": "HolidayBase"}),   # a class of it
     "office_hours.bank_holidays.country", "not a country"),
    (lambda s: s["routing"].update(in_hours="gatewy"), "routing.in_hours", "not a contact"),
    (lambda s: s["routing"].update(override="nobody"), "routing.override", "not a contact"),
    (lambda s: s.pop("contacts"), "contacts", "missing"),
    (lambda s: s["languages"][0].pop("code"), "languages[0].code", "missing"),
    (lambda s: s["languages"][0].update(code="english"), "languages[0].code", "not a known BCP 47"),
    (lambda s: s["languages"][0].update(say_language="en-US"), "languages[0].say_language",
     "say_language 'en-US' is not the language of Polly.Amy-Neural (en-GB): write en-GB"),
    (lambda s: s["languages"][0].update(voice="Polly.Ola-Neural", say_language="pl-PL"), "languages[0].voice",
     "language en-GB: Polly.Ola-Neural speaks pl-PL, not en-GB; use Polly.Amy-Neural"),
    (lambda s: s["languages"][0].update(voice="Alice"), "languages[0].voice",
     "language en-GB: 'Alice' is not a Twilio voice; use Polly.Amy-Neural"),
    # Twilio's generated definitions still name these four; its Text-to-Speech page no longer lists
    # them, and an invalid voice inside <Gather> sends every call to the fallback.
    (lambda s: s["languages"][2].update(voice="Google.lt-LT-Standard-A"), "languages[2].voice",
     "language lt: Google.lt-LT-Standard-A is withdrawn: Twilio's Text-to-Speech page no longer lists it"),
    (lambda s: s["languages"][5].update(voice="Google.ro-RO-Wavenet-A"), "languages[5].voice",
     "; use Google.ro-RO-Wavenet-B"),
    (lambda s: s["languages"][6].update(voice="Google.bg-BG-Standard-A"), "languages[6].voice",
     "; use Google.bg-BG-Standard-B"),
    (lambda s: s["languages"][8].update(voice="Google.sk-SK-Wavenet-A"), "languages[8].voice",
     "; use Google.sk-SK-Wavenet-B"),
    (lambda s: s["languages"][0].update(voice="Google.de-DE-Standard-A", say_language="de-DE"), "languages[0].voice",
     "not among the voices of Twilio's Text-to-Speech page recorded in ivr/twilio_voices.yaml"),
    (lambda s: s.update(languages=[]), "languages", "at least one"),
    (lambda s: s["languages"].extend([{"code": "pt", "voice": "Polly.Cristiano", "say_language": "pt-PT"}]),
     "languages", "10 languages are on the language menu"),
    (lambda s: s["languages"][0].update(menu=False), "languages[0].menu", "must be on the menu"),
    (lambda s: s["input"].update(timeout_seconds=0), "input.timeout_seconds", "whole number from 3 to 60"),
    (lambda s: s["input"].update(max_silences="three"), "input.max_silences", "whole number"),
    (lambda s: s["input"].update(after_limit="hang up"), "input.after_limit", "transfer, goodbye"),
    (lambda s: s["transfer"].update(caller_id="028 9000 0000"), "transfer.caller_id", "E.164"),
    (lambda s: s.update(called_numbers={"+442890000001": "fr"}), "called_numbers.+442890000001",
     "not one of the languages"),
    (lambda s: s["spoken_numbers"].update(emergency="nine nine nine"), "spoken_numbers.emergency", "digits"),
])
def test_each_kind_of_mistake_names_its_key_and_the_problem(change, key, words):
    problems = problems_with(change)
    assert any(p.startswith(f"{key}:") and words in p for p in problems), problems


def test_an_unquoted_closing_time_gives_one_clear_problem_not_two():
    problems = problems_with(lambda s: s["office_hours"].update(close=17 * 60))   # YAML's reading of 17:00
    assert problems == ['office_hours.close: 1020 is 17:00 read as a number: write the time in quotes, like "17:00"']


def test_a_yaml_syntax_error_names_the_file_and_the_place(command, tmp_path):
    broken = tmp_path / "line.yaml"
    broken.write_text("timezone: Europe/London\nlanguages: [\n")
    result = command("check", config=broken)
    assert result.exit_code == 1
    assert f"problem: {broken}: is not valid YAML at line 3, column 1" in result.output
    assert "Traceback" not in result.output


def test_an_unquoted_date_that_does_not_exist_names_its_key_not_a_traceback(command, tmp_path):
    """YAML reads an unquoted 2026-02-30 as a date, and Python refuses it: the check and the start
    ended in a traceback from inside the YAML library (found trying the line from the README)."""
    broken = tmp_path / "line.yaml"
    text = (ROOT / "line.yaml").read_text(encoding="utf-8")
    assert "  closures: []\n" in text
    broken.write_text(text.replace("  closures: []\n", "  closures: [2026-12-24, 2026-02-30]\n"), encoding="utf-8")
    result = command("check", config=broken)
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = text[:text.index("  closures: []")].count("\n") + 1
    assert f"problem: {broken}: office_hours.closures[1] (line {line}): 2026-02-30: is not a date that exists" \
        in result.output


def test_all_problems_are_reported_at_once():
    def many(settings):
        settings["timezone"] = "Mars/Olympus"
        settings["contacts"]["emergency_social_work"]["number"] = "0300"
        settings["office_hours"]["days"] = ["Mon", "Someday"]
    assert len(problems_with(many)) == 3


def test_a_broken_file_stops_the_app_from_starting_with_the_message(tmp_path):
    broken = tmp_path / "line.yaml"
    broken.write_text("timezone: Nowhere/Land\n")
    with pytest.raises(ConfigError) as caught:
        create_app({"IVR_CONFIG": broken, "TWILIO_AUTH_TOKEN": "x"})
    assert f"{broken}: timezone: 'Nowhere/Land' is not a known time zone" in str(caught.value)


def test_invalid_yaml_is_reported_as_such(tmp_path):
    broken = tmp_path / "line.yaml"
    broken.write_text("timezone: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        create_app({"IVR_CONFIG": broken, "TWILIO_AUTH_TOKEN": "x"})


def test_ivr_config_points_to_another_file(monkeypatch, tmp_path):
    monkeypatch.setenv("IVR_CONFIG", str(tmp_path / "elsewhere.yaml"))
    assert config_path() == tmp_path / "elsewhere.yaml"
    with pytest.raises(ConfigError, match="elsewhere.yaml: cannot be read"):
        create_app({"TWILIO_AUTH_TOKEN": "x"})


def test_a_bad_proxy_setting_is_named(make_app):
    with pytest.raises(ConfigError, match="IVR_PROXY_HOPS: 'yes' must be the number of proxies"):
        make_app(IVR_PROXY_HOPS="yes")


def test_a_contact_without_its_prompts_is_refused(make_app):
    settings = line_settings()
    settings["contacts"]["police"] = {"number": "+442890650222", "spoken": "028 9065 0222"}
    with pytest.raises(ConfigError) as caught:
        make_app(settings)
    assert "prompts/en.yaml: transfer.police: is needed by the line but missing" in caught.value.problems


def test_check_says_ok_for_what_ships(command):
    result = command("check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:") and "en-GB" in result.output


def test_check_lists_each_problem_and_fails(command, tmp_path):
    broken = tmp_path / "line.yaml"
    text = (config_path().read_text()
            .replace('"+442895049999"', '"+44 28 9504 9999"').replace("Europe/London", "Europe/Londres"))
    broken.write_text(text)
    result = command("check", config=broken)
    assert result.exit_code == 1
    assert f"problem: {broken}: timezone: 'Europe/Londres' is not a known time zone" in result.output
    assert f"problem: {broken}: contacts.emergency_social_work.number:" in result.output


@pytest.mark.skipif(not (ROOT / ".venv" / ".installed").is_file(), reason="needs the project's .venv (make install)")
def test_make_run_with_a_broken_line_yaml_says_what_is_wrong_before_any_banner(tmp_path):
    import os
    import subprocess
    broken = tmp_path / "line.yaml"
    broken.write_text(config_path().read_text().replace('close: "17:00"', "close: 17:00"))
    result = subprocess.run(["make", "-s", "run"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "IVR_CONFIG": str(broken), "PORT": "5099"})
    assert result.returncode != 0
    assert "Serving the line" not in result.stdout
    assert f'problem: {broken}: office_hours.close: 1020 is 17:00 read as a number' in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# -- one schema ----------------------------------------------------------------------------------
def test_line_schema_json_and_the_readme_table_are_what_the_schema_makes():
    """Both are made from ivr/line_schema.py (`make schema`): neither may drift from the reader."""
    from ivr import line_schema
    assert (ROOT / "line.schema.json").read_text(encoding="utf-8") == line_schema.schema_text(), "run make schema"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert line_schema.readme_with_table(readme) == readme, "run make schema"
    for key in ("usage.database", "transfer.screen_seconds", "contacts.<name>.hours", "input.timeout_seconds"):
        assert f"| `{key}` |" in readme   # (the hand-made table lacked the first two)


def test_line_yaml_names_its_schema_for_editors_on_its_first_line():
    assert (ROOT / "line.yaml").read_text().splitlines()[0] == "# yaml-language-server: $schema=line.schema.json"


def schema_errors(settings: dict) -> list[str]:
    import json
    import jsonschema
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "line.schema.json").read_text()))
    return [".".join(str(part) for part in error.absolute_path) + ": " + error.message
            for error in validator.iter_errors(settings)]


def test_the_shipped_line_yaml_keeps_to_its_json_schema():
    assert schema_errors(shipped_settings()) == []


@pytest.mark.parametrize("change, key", [
    (lambda s: s.update(routeing={"in_hours": "gateway"}), "routeing"),
    (lambda s: s["input"].update(timeout_seconds=2), "input.timeout_seconds"),
    (lambda s: s["input"].update(timeout_seconds=True), "input.timeout_seconds"),
    (lambda s: s["transfer"].update(screen_seconds=0), "transfer.screen_seconds"),
    (lambda s: s["contacts"]["nspcc"].update(number="0808 800 5000"), "contacts.nspcc.number"),
    (lambda s: s["contacts"]["nspcc"].update(screen="yes"), "contacts.nspcc.screen"),
    (lambda s: s["contacts"]["nspcc"].update(hours="sometimes"), "contacts.nspcc.hours"),
    (lambda s: s["office_hours"].update(open=540), "office_hours.open"),
    (lambda s: s["office_hours"].update(clsoe="17:00"), "office_hours.clsoe"),
    (lambda s: s["input"].update(after_limit="hang up"), "input.after_limit"),
    (lambda s: s["texting"].update(timeout_seconds=30), "texting.timeout_seconds"),
])
def test_an_editor_and_the_reader_refuse_the_same_mistake(change, key):
    """What line.schema.json lets an editor flag, the line refuses to start with, naming the key."""
    settings = shipped_settings()
    change(settings)
    with pytest.raises(ConfigError) as caught:
        parse(settings)
    assert any(problem.startswith(key) for problem in caught.value.problems), caught.value.problems
    assert schema_errors(settings), f"line.schema.json lets {key} pass"


def test_the_defaults_the_line_runs_on_are_the_schemas():
    from ivr import line_schema
    settings = line_settings()
    for section in ("input", "transfer", "usage"):
        settings.pop(section)
    config = parse(settings)
    for path, value in (("input.timeout_seconds", config.input.timeout_seconds),
                        ("input.max_silences", config.input.max_silences),
                        ("input.after_limit", config.input.after_limit),
                        ("transfer.timeout_seconds", config.transfer.timeout_seconds),
                        ("transfer.screen_seconds", config.transfer.screen_seconds),
                        ("usage.database", config.usage_database)):
        assert value == line_schema.node_at(path).default, path


def test_a_spoken_number_that_is_not_the_number_is_shown_as_it_would_be_published():
    from ivr.files import ConfigError
    for number, spoken, shown in [("+443001234333", "333", '"0300 1234 333"'),
                                  ("+442895049999", "9999", '"028 9504 9999"'),
                                  ("+35312345678", "1", '"+353 1234 5678"')]:
        settings = line_settings()
        settings["contacts"]["gateway"] = {"number": number, "spoken": spoken}
        with pytest.raises(ConfigError) as error:
            parse(settings)
        assert any("contacts.gateway.spoken" in line and f"like {shown}" in line for line in error.value.lines()), \
            error.value.lines()
