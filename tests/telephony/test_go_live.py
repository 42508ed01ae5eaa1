"""Go live: the smoke call through Twilio's REST API, one per language, read back from Twilio; tested
against a fake account through the recording HTTP client, never the network."""
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from ivr import cli

from ..conftest import NO_TWILIO_ACCOUNT, ROOT
from ..twilio_api import FakeAccount, RecordingHttpClient

ACCOUNT = "AC" + "6" * 32
LINE = "+442890000000"
SECOND = "+442890000777"
ENV = {**NO_TWILIO_ACCOUNT, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "secret",
       "IVR_ROOT": str(ROOT), "IVR_CONFIG": str(ROOT / "line.yaml")}


@pytest.fixture
def account(monkeypatch):
    account = FakeAccount(ACCOUNT, {LINE: {"voice_url": "https://line.council.example/voice"}, SECOND: {}})
    api = RecordingHttpClient(account)
    monkeypatch.setattr(cli, "twilio_http_client", lambda: api)
    account.api = api
    return account


def smoke(*args):
    return CliRunner().invoke(FlaskGroup(), ["smoke-call", "--from", SECOND, *args], env=ENV)


def test_the_smoke_call_rings_every_language_presses_its_key_and_a_message_never_0(account):
    result = smoke()
    assert result.exit_code == 0, result.output
    created = [r["data"] for r in account.api.requests if r["method"] == "POST" and r["url"].endswith("/Calls.json")]
    assert len(created) == 9
    for key, data in enumerate(created, start=1):
        assert data["To"] == LINE and data["From"] == SECOND and str(data["TimeLimit"]) == "30"
        # 2 s, the language's key, 3 s, the first option of the first menu (a message): never 0
        assert data["SendDigits"] == f"wwww{key}wwwwww1" and "0" not in data["SendDigits"]
        assert data["Twiml"] == '<Response><Pause length="30"/></Response>'
    lines = result.output.strip().splitlines()
    assert lines[1] == "language   seconds  errors"
    assert lines[2:] == [f"{code:<10} {28:>7}  none"
                         for code in ("en-GB", "pl", "lt", "ga", "ar", "ro", "bg", "pt-PT", "sk")]


def test_what_twilio_reported_of_the_lines_side_is_shown_and_fails_the_check(account):
    # The Polish call is the first of these: its own call is CA...0, and the call the line answered CA...1.
    account.alerts.append({"sid": "NO" + "1" * 32, "account_sid": ACCOUNT, "error_code": "12300",
                           "log_level": "warning", "resource_sid": f"CA{1:032x}", "alert_text": "Invalid Content-Type",
                           "date_created": "2026-07-14T09:01:00Z"})
    account.alerts.append({"sid": "NO" + "2" * 32, "account_sid": ACCOUNT, "error_code": "11200",
                           "log_level": "error", "resource_sid": "CA" + "f" * 32, "alert_text": "another call",
                           "date_created": "2026-07-14T09:01:00Z"})
    result = smoke("--lang", "pl", "--lang", "ga")
    assert result.exit_code == 1
    assert "pl              28  12300 (warning)" in result.output
    assert "ga              28  none" in result.output
    assert "11200" not in result.output   # not one of these calls


def test_the_smoke_call_needs_the_lines_number_when_the_account_has_several(account):
    account.numbers["+442890000888"] = account.number("+442890000888", 9, voice_url="https://other.example/voice")
    result = smoke()
    assert result.exit_code == 2 and "2 numbers of the account point at a line: say which" in result.output
    assert smoke("--to", LINE, "--lang", "en-GB").exit_code == 0


def test_a_second_number_not_in_the_account_is_refused_by_twilio(account):
    result = CliRunner().invoke(FlaskGroup(), ["smoke-call", "--from", "+447700900555", "--lang", "en-GB"], env=ENV)
    assert result.exit_code == 1 and "Twilio refused" in result.output and "not yet verified" in result.output


def test_every_command_runs_as_flask_app_ivr_and_as_python_m_ivr():
    """`python -m ivr <command>` (a PaaS checkout, not installed) offers the same commands as the
    installed `flask --app ivr <command>`."""
    import subprocess
    import sys
    import tomllib
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["flask.commands"]
    assert sorted(declared) == sorted(command.name for command in cli.COMMANDS)
    listed = subprocess.run([sys.executable, "-m", "ivr", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0
    for name in declared:
        assert f"  {name} " in listed.stdout, name
