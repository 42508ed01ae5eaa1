"""Hold under attack: refuse what no Twilio request looks like before any work is done on it."""
import pytest

from ..conftest import GATEWAY
from ..phone import BASE_URL


def raw_post(client, path, body: bytes, **headers):
    return client.post(BASE_URL + path, data=body, content_type="application/x-www-form-urlencoded",
                       headers=headers)


@pytest.mark.parametrize("body", [
    b"a=" + b"x" * 900_000,                                   # 0.9 MB of one field
    b"&".join(b"f%d=1" % i for i in range(100_000)),         # 100 000 fields
    b"x" * (16 * 1024 + 1),                                  # just over the limit
])
def test_an_oversized_unsigned_body_is_refused_with_413(client, body):
    response = raw_post(client, "/voice", body)
    assert response.status_code == 413


def test_too_many_fields_in_a_small_body_are_refused(client):
    assert raw_post(client, "/voice", b"&".join(b"f=%d" % i for i in range(300))).status_code == 413


def test_a_declared_size_over_the_limit_is_refused_without_reading_the_body(app):
    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")
    statuses = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/voice", "SERVER_NAME": "line.example.org",
               "SERVER_PORT": "443", "wsgi.url_scheme": "https", "wsgi.input": Unread(),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(100 * 1024 * 1024)}
    body = app.wsgi_app(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Content Too Large"] and b"more than 16384 bytes" in b"".join(body)


def test_a_refused_flood_parses_nothing_and_a_signed_call_still_goes_through(client, phone, monkeypatch):
    from flask import Request
    from ivr import webhook
    parsed = []
    original, werkzeugs = webhook.form_fields, Request._load_form_data
    monkeypatch.setattr(webhook, "form_fields", lambda req: (parsed.append(req.path), original(req))[1])
    monkeypatch.setattr(Request, "_load_form_data", lambda self: (parsed.append(self.path), werkzeugs(self))[1])
    flood = b"&".join(b"f%d=1" % i for i in range(100_000))
    for _ in range(20):
        assert raw_post(client, "/voice", flood).status_code == 413
    assert parsed == []   # no form parsed, no signature computed: a refusal costs almost nothing
    assert phone.english().press("0").dialled == [GATEWAY]
    assert parsed == ["/voice", "/voice/key", "/voice/key"]   # the signed call's forms, and only once each


def test_a_normal_signed_call_is_untouched(phone):
    assert phone.english().press("2").said[0].startswith("Here are some of the warning signs")


# -- never a wrong number -------------------------------------------------------------------

def start_problems(root):
    """What keeps a language from callers when the line starts (the line itself starts)."""
    from ivr import create_app
    from ..conftest import TOKEN
    files = create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": TOKEN}
                       ).extensions["ivr.files"]
    return [problem for found in files.withheld.values() for problem in found]


def test_an_irish_recording_whose_words_changed_withholds_irish_from_callers(tmp_path):
    from ..conftest import line_settings, make_root, own_audio
    root = make_root(tmp_path / "line", line_settings())
    manifest = own_audio(root) / "ga" / "recordings.yaml"   # a part of a sentence made from other words
    manifest.write_text(manifest.read_text().replace("text: brúigh\n", "text: brúigh anois\n", 1))
    problems = start_problems(root)
    assert problems == ["language ga: choice.press.1: its recording says other words than the prompt now does: "
                        "make it again with `flask --app ivr recordings make --lang ga`"]


def test_a_stale_recording_in_a_language_with_a_voice_is_set_aside_and_the_prompt_spoken(tmp_path, clock):
    from ivr import create_app
    from ..conftest import TOKEN, line_settings, make_root, polish_recording
    from ..phone import Phone
    root = make_root(tmp_path / "line", line_settings())
    polish_recording(root, "Old words:")
    app = create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": TOKEN,
                      "IVR_CLOCK": clock})
    main = Phone(app.test_client(), TOKEN).ring().press("2")
    assert not list(main.root.iter("Play"))     # spoken from the catalog, not the stale recording


@pytest.mark.parametrize("garbage", [b"", b"RIFF\x00\x00\x00\x00WAVEjunk", bytes(range(256)) * 4])
def test_a_recording_that_is_not_telephone_audio_stops_the_start(tmp_path, garbage):
    from ..conftest import line_settings, make_root, own_audio
    root = make_root(tmp_path / "line", line_settings())
    (own_audio(root) / "ga" / "greeting.welcome.wav").write_bytes(garbage)
    from ivr import create_app
    from ivr.files import ConfigError
    from ..conftest import TOKEN
    with pytest.raises(ConfigError) as caught:   # a broken file is no translation in progress: the start stops
        create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": TOKEN})
    [problem] = caught.value.problems
    assert problem.startswith(f"{root}/prompts/audio/ga/greeting.welcome.wav: is not telephone audio")


def test_a_corrupt_catalog_stops_the_start_in_one_line_naming_it(tmp_path):
    from ..conftest import line_settings, make_root
    root = make_root(tmp_path / "line", line_settings())
    po = root / "locales" / "pl" / "LC_MESSAGES" / "ivr.po"
    po.write_bytes(po.read_bytes().replace("ą".encode(), b"\xff\xfe", 3))
    from ivr import create_app
    from ivr.files import ConfigError
    with pytest.raises(ConfigError) as caught:
        create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": "x"})
    message = str(caught.value)
    assert message.count("\n") == 0
    assert message.startswith(f"{po}: is not a readable gettext catalog")


def test_a_corrupt_recordings_manifest_stops_the_start_in_one_line_naming_it(tmp_path):
    from ..conftest import line_settings, make_root, own_audio
    root = make_root(tmp_path / "line", line_settings())
    manifest = own_audio(root) / "ga" / "recordings.yaml"
    manifest.write_text("greeting.danger: {text: [unclosed\n")
    from ivr import create_app
    from ivr.files import ConfigError
    with pytest.raises(ConfigError) as caught:
        create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": "x"})
    assert str(caught.value).count("\n") == 0
    assert str(manifest) in str(caught.value) and "is not a readable recordings manifest" in str(caught.value)


@pytest.mark.parametrize("duration", ["²", "٣", "9" * 4400, "-5", "1e9", " 12", ""])
def test_a_status_callback_with_an_odd_duration_is_counted_without_the_safety_net(phone, duration):
    """CallDuration="²" passed str.isdigit and broke int() (the red team's L2): parsed strictly, it
    is a call of unknown length, and nothing breaks."""
    assert phone.post("/voice/status", {"CallStatus": "completed", "CallDuration": duration}).status_code == 204


@pytest.mark.parametrize("name", ["silences", "wrong", "try", "n"])
def test_a_count_in_a_url_too_long_for_int_is_no_count(phone, name):
    reply = phone.reply(f"/voice/silence?node=main&lang=en-GB&{name}=" + "9" * 4400)
    assert reply.listens


@pytest.mark.parametrize("forged", ["xx", "EN-GB", "en", "pl%00", "../pl", ""])
def test_a_forged_language_is_the_first_language(phone, forged):
    reply = phone.reply(f"/voice/key?node=main&lang={forged}", {"Digits": "2"})
    assert reply.said[0].startswith("Here are some of the warning signs")
    assert {say.get("language") for say in reply.says} == {"en-GB"}


def test_counts_at_the_limit_are_not_trusted_from_the_url(phone):
    # wrong=3 is the limit itself: a URL the line never writes (it transfers at 3), so it starts again
    reply = phone.reply("/voice/key?node=main&lang=en-GB&wrong=3", {"Digits": "7"})
    assert reply.listens and not reply.dialled
    reply = phone.reply("/voice/key?node=main&lang=en-GB&wrong=2", {"Digits": "7"})
    assert reply.dialled == [GATEWAY]   # the third wrong key: a person
