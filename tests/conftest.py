import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from flask.cli import FlaskGroup

from ivr import create_app

from .phone import Phone

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
TOKEN = "test-auth-token-0123456789abcdef"
GATEWAY = "+443001234333"
OUT_OF_HOURS = "+442895049999"


def local(text: str) -> dt.datetime:
    """A Northern Ireland local time, like "2026-07-14 10:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Clock:
    def __init__(self):
        self.now = local("2026-07-14 10:00")   # a Tuesday, in office hours

    def set(self, text_or_datetime):
        self.now = local(text_or_datetime) if isinstance(text_or_datetime, str) else text_or_datetime

    def __call__(self):
        return self.now


def line_settings() -> dict:
    return yaml.safe_load((ROOT / "line.yaml").read_text())


@pytest.fixture
def clock():
    return Clock()


def make_root(root: Path, settings: dict) -> Path:
    """A copy of the project's data with ``settings`` as its line.yaml."""
    shutil.copytree(ROOT / "prompts", root / "prompts")
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "line.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    return root


@pytest.fixture
def make_app(tmp_path, clock):
    """Builds an app from changed settings: ``make_app(line_settings() | {...})``."""
    made = []

    def make(settings: dict | None = None, **config):
        root = make_root(tmp_path / f"line{len(made)}", settings if settings is not None else line_settings())
        made.append(root)
        return create_app({
            "IVR_ROOT": root,
            "IVR_CONFIG": root / "line.yaml",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "IVR_DEVELOPMENT": False,
            "IVR_PROXY_HOPS": "",
            "IVR_CLOCK": clock,
            **config,
        })
    return make


@pytest.fixture
def phone_for(make_app):
    """A phone on a line with changed settings."""
    def make(settings: dict) -> Phone:
        return Phone(make_app(settings).test_client(), TOKEN)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def command(app):
    """Runs a `flask --app ivr` command on the same line as ``app``.

    The commands are flask plugin commands that read IVR_ROOT and IVR_CONFIG,
    so that `check` works even when line.yaml is too broken to build the app.
    """
    def run(*args: str, config: Path | None = None, input: str | None = None):
        env = {"IVR_ROOT": str(app.config["IVR_ROOT"]), "IVR_CONFIG": str(config or app.config["IVR_CONFIG"])}
        return CliRunner().invoke(FlaskGroup(), list(args), env=env, input=input)
    return run


@pytest.fixture
def phone(client):
    return Phone(client, TOKEN)
