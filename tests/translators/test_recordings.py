"""Recordings: played before speech, served safely, made and converted by one command."""
import re
import shutil
import struct
import subprocess

import pytest
import yaml
from click.testing import CliRunner
from flask.cli import FlaskGroup

from ivr import create_app
from ivr.recordings import tools_missing

from ..conftest import ROOT, TOKEN, line_settings, make_root, own_audio, polish_recording
from ..phone import BASE_URL, Phone
from ..words import key_words, offered, set_translation, translation

# Every recording an Irish line of one area needs (espeak-ng placeholders): its sentences, the parts of
# those that say a number, a key or hours, and the 120 pieces those are said from (ivr/pieces.py).
IRISH_RECORDINGS = 205

needs_tools = pytest.mark.skipif(bool(tools_missing()), reason="needs espeak-ng and sox (.ci/run installs them)")


def wav_format(data: bytes) -> tuple[int, int, int]:
    """(format code, channels, sample rate) from a WAV header; format 7 is u-law."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    fmt = data.index(b"fmt ")
    code, channels, rate = struct.unpack("<HHI", data[fmt + 8:fmt + 16])
    return code, channels, rate


def irish_said(root) -> set[str]:
    """The recordings a line needs in Irish."""
    from ..conftest import read_line
    line = read_line(root).files
    return set(line.inventory.recordings(line.config.language("ga")))


def test_the_shipped_recordings_are_what_the_line_says_with_its_areas_or_one(tmp_path):
    files = {path.stem for path in (ROOT / "prompts" / "audio" / "ga").glob("*.wav") if not path.stem.endswith(".slow")}
    one_area = irish_said(make_root(tmp_path / "one", line_settings()))
    assert len(one_area) == IRISH_RECORDINGS
    with_areas = irish_said(ROOT)
    assert "area.question" in with_areas and {"transfer_failed.gateway.1", "digit.7", "time.17"} <= one_area
    assert not [name for name in with_areas if "@" in name]   # no copy per area: numbers are said from pieces
    assert files == one_area | with_areas, "nothing missing, nothing left over"


def test_every_shipped_recording_is_telephone_quality_and_small():
    files = sorted((ROOT / "prompts" / "audio").rglob("*.wav"))
    for path in files:
        assert wav_format(path.read_bytes()) == (7, 1, 8000), path.name
    # Numbers and hours are said from pieces (ivr/pieces.py): a prompt that says a Gateway number is
    # recorded once, not once per area (8.8 MB when it was); every quarter of an hour is a piece
    # (6.3 MB); each has a copy at 80% speed for slower speech (14 MB in all, at 8 kB a second of u-law).
    assert sum(path.stat().st_size for path in files) < 16_000_000


def test_the_irish_manifest_labels_every_recording_a_placeholder_and_keeps_its_words():
    manifest = yaml.safe_load((ROOT / "prompts" / "audio" / "ga" / "recordings.yaml").read_text())
    audio = ROOT / "prompts" / "audio" / "ga"
    assert set(manifest) == {path.stem for path in audio.glob("*.wav") if not path.stem.endswith(".slow")}
    assert {path.stem for path in audio.glob("*.slow.wav")} == {f"{name}.slow" for name in manifest}   # each, slower
    assert {entry["made_by"] for entry in manifest.values()} == {"placeholder (espeak-ng)", "silence (sox)"}
    assert manifest["pause"] == {"text": "", "made_by": "silence (sox)"}   # between a number's groups
    danger = translation("ga", "greeting.danger")
    assert manifest["greeting.danger.1"]["text"] == danger.split("{emergency}")[0].strip()   # then 9, 9, 9
    assert manifest["digit.9"]["text"] == "9" and "greeting.danger" not in manifest
    assert manifest["language.choose.1"]["text"] == translation("ga", "language.choose").split("{choice}")[0].strip()


def test_slower_speech_in_irish_plays_each_recording_at_80_percent_speed(client):
    """Irish has no voice to slow down: 9 plays the recordings' slow copies (made by `recordings
    make`), as the welcome promises (the fresh Irish review's M1)."""
    phone = Phone(client, TOKEN)
    normal = [p.text for p in phone.ring().press("4").root.iter("Play")]
    slow = [p.text for p in phone.ring().press("4").press("9").root.iter("Play")]
    assert normal and not [url for url in normal if url.endswith(".slow.wav")]
    assert slow and all(url.endswith(".slow.wav") for url in slow)   # the first menu again, every part slower
    for url in slow[:3]:
        fast = client.get(url.removeprefix(BASE_URL).replace(".slow.wav", ".wav"))
        slower = client.get(url.removeprefix(BASE_URL))
        assert slower.status_code == 200 and wav_format(slower.data) == (7, 1, 8000)
        assert len(slower.data) / len(fast.data) == pytest.approx(1.25, rel=0.12)   # 80% speed: 1.25x as long


def test_a_recording_is_served_with_caching_headers(client):
    response = client.get("/audio/ga/greeting.welcome.wav")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert wav_format(response.data) == (7, 1, 8000)
    again = client.get("/audio/ga/greeting.welcome.wav", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/audio/ga/not_a_prompt.wav",
    "/audio/xx/greeting.welcome.wav",
    "/audio/en-GB/greeting.welcome.wav",          # English speaks; it has no recordings
    "/audio/ga/recordings.wav",
    "/audio/ga/..%2F..%2F..%2Fline.yaml.wav",
    "/audio/ga/%2E%2E%2Fpl%2Fgreeting.welcome.wav",
    "/audio/../line.yaml",
    "/audio/ga/greeting.welcome.mp3",
])
def test_anything_but_a_known_prompt_in_a_known_language_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_a_recording_in_the_callers_language_is_played_instead_of_speech(tmp_path, clock):
    root = make_root(tmp_path / "line", line_settings())
    polish_recording(root)
    app = create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": TOKEN,
                      "IVR_CLOCK": clock})
    main = Phone(app.test_client(), TOKEN).ring().press("2")
    played = [el for el in main.gather if el.tag == "Play"]
    assert [el.text for el in played] == [f"{BASE_URL}/audio/pl/{name}.wav"   # absolute
                                          for name in ("option.what_is.1", "choice.press.1", "digit.1")]
    assert offered("pl", "option.warning_signs", "2") in main.said   # the rest is spoken
    assert app.test_client().get("/audio/pl/option.what_is.1.wav").status_code == 200


def make_from_takes(root, studio, takes: dict, channels: str = "1"):
    """`recordings make --lang ga --from studio` with a voice artist's takes: a tone per prompt, with
    sox's effects (its level, silence)."""
    studio.mkdir()
    for prompt, effects in takes.items():
        subprocess.run(["sox", "-n", "-r", "48000", "-c", channels, str(studio / f"{prompt}.wav"),
                        "synth", "1.5", "sine", "300", *effects], check=True)
    env = {"IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml")}
    return CliRunner().invoke(FlaskGroup(), ["recordings", "make", "--lang", "ga", "--from", str(studio),
                                             "--no-placeholders"], env=env)


@needs_tools
def test_recordings_make_converts_human_recordings_and_remembers_them(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    audio = own_audio(root)
    result = make_from_takes(root, tmp_path / "studio", {"greeting.welcome": ["vol", "0.5"]}, channels="2")
    assert result.exit_code == 0, result.output
    assert "greeting.welcome: human recording (greeting.welcome.wav)" in result.output
    assert wav_format((audio / "ga" / "greeting.welcome.wav").read_bytes()) == (7, 1, 8000)
    manifest = yaml.safe_load((audio / "ga" / "recordings.yaml").read_text())
    assert manifest["greeting.welcome"]["made_by"] == "human recording (greeting.welcome.wav)"
    assert manifest["greeting.danger.1"]["made_by"] == "placeholder (espeak-ng)"


@needs_tools
def test_recordings_make_remakes_only_what_is_stale(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    audio = own_audio(root)
    set_translation(root, "ga", "option.back", "Filleadh: {choice}.")
    env = {"IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml")}
    before = (audio / "ga" / "option.back.1.wav").read_bytes()
    result = CliRunner().invoke(FlaskGroup(), ["recordings", "make", "--lang", "ga"], env=env)
    assert result.exit_code == 0, result.output
    assert f"ga: 1 recordings made, {IRISH_RECORDINGS - 1} already up to date" in result.output
    assert (audio / "ga" / "option.back.1.wav").read_bytes() != before
    manifest = yaml.safe_load((audio / "ga" / "recordings.yaml").read_text())
    assert manifest["option.back.1"]["text"] == "Filleadh:"   # then "brúigh", then the hash key's name
    assert manifest["key.hash"]["text"] == key_words("ga", "#")
    assert CliRunner().invoke(FlaskGroup(), ["check"], env=env).exit_code == 0


@pytest.mark.parametrize("public_url", [None, BASE_URL], ids=["in development", "as deployed"])
def test_a_recording_deleted_while_the_line_runs_is_no_longer_offered(make_app, tmp_path, monkeypatch, public_url):
    """The red team's M4: deleted at run time, a recording was still played to every caller from a
    URL answering 500, and /healthz said ok. Now the line looks every few seconds: the recording is
    not offered (Irish has no voice: its prompt is said in English, but not the Irish option of the
    language menu, whose words would then be untrue), its URL is a 404, and /healthz says so.
    As deployed (IVR_PUBLIC_URL), the speech of everything the line says is made when it starts
    (ivr/render.py): what was made with the recording is not played once it is gone."""
    from ivr import recordings
    app = make_app(IVR_PUBLIC_URL=public_url)
    audio = own_audio(app.config["IVR_ROOT"])
    client = app.test_client()
    phone = Phone(client, TOKEN)
    assert f"{BASE_URL}/audio/ga/language.choose.1.wav" in [p.text for p in phone.ring().root.iter("Play")]
    (audio / "ga" / "language.choose.1.wav").unlink()
    (audio / "ga" / "content.warning_signs.wav").unlink()
    monkeypatch.setattr(recordings, "CHECK_SECONDS", 0)
    greeting = phone.ring()
    assert not [text for text in greeting.root.itertext() if "/audio/ga/" in text]   # the Irish option: not said
    assert phone.ring().press("4").listens   # its key still chooses Irish
    signs = phone.ring().press("4").press("2")
    assert signs.said[0].startswith("Here are some of the warning signs")   # in English, not a silence
    assert {say.get("language") for say in signs.says} == {"en-GB"}
    assert client.get("/audio/ga/language.choose.1.wav").status_code == 404
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and health["recordings"] == (
        "2 missing: ga/content.warning_signs, ga/language.choose.1")
    shutil.copy(ROOT / "prompts" / "audio" / "ga" / "language.choose.1.wav", audio / "ga")   # back again
    assert f"{BASE_URL}/audio/ga/language.choose.1.wav" in [p.text for p in phone.ring().root.iter("Play")]


@needs_tools
def test_a_take_that_is_too_quiet_or_starts_late_is_refused_and_the_others_accepted(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    audio = own_audio(root)
    before = (audio / "ga" / "greeting.danger.1.wav").read_bytes()
    result = make_from_takes(root, tmp_path / "studio", {
        "greeting.welcome": ["vol", "0.4"],                    # a good take
        "greeting.danger.1": ["vol", "0.004"],                 # far too quiet
        "option.back.1": ["vol", "0.4", "pad", "2.5", "0"]})   # 2.5 s before a word is said
    assert result.exit_code == 1
    assert "greeting.welcome: human recording (greeting.welcome.wav)" in result.output
    assert "refused: greeting.danger.1.wav: is too quiet: -5" in result.output and "at least -35 needed" in result.output
    assert "refused: option.back.1.wav: has 2.5 s of silence at the start, more than 1 s" in result.output
    manifest = yaml.safe_load((audio / "ga" / "recordings.yaml").read_text())
    assert manifest["greeting.welcome"]["made_by"] == "human recording (greeting.welcome.wav)"
    assert manifest["greeting.danger.1"]["made_by"] == "placeholder (espeak-ng)"   # the refused take never replaced it
    assert (audio / "ga" / "greeting.danger.1.wav").read_bytes() == before


def test_the_recording_script_lists_every_file_once_with_its_words_tone_and_pieces(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    env = {"IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml")}
    result = CliRunner().invoke(FlaskGroup(), ["recordings", "script", "--lang", "ga"], env=env)
    assert result.exit_code == 0, result.output
    files = re.findall(r"^### `(.+)\.wav`$", result.output, re.M)
    assert sorted(files) == sorted(irish_said(root)) and len(files) == IRISH_RECORDINGS   # each needed file, once
    assert result.output.count("## Sitting ") == 4 and "Tone: " in result.output
    danger = result.output.split("### `greeting.danger.1.wav`")[1].split("###")[0]
    assert f"> {translation('ga', 'greeting.danger').split('{emergency}')[0].strip()}\n" in danger
    pieces = result.output.split("## Sitting 4: Pieces")[1]   # what numbers and hours are said from, recorded once
    assert {f"digit.{d}" for d in range(10)} | {f"day.{d}" for d in range(7)} | {f"time.{h:02d}" for h in range(24)} \
        <= set(re.findall(r"^### `(.+)\.wav`$", pieces, re.M))
    assert "### `time.1630.wav`" in pieces   # every quarter of an hour
    assert "> a naoi ar maidin" in pieces.split("### `time.09.wav`")[1].split("###")[0]   # hours.time_names
