"""Hours are said from line.yaml, in every language: a line that closes at 16:30 is set up by
editing line.yaml alone (ivr/hours_words.py: CLDR's day names and times, put together by each
catalog's hours.* words). Irish, said from recordings, says them from recorded pieces (ivr/pieces.py):
new hours or a new number need no new recordings, unless a time is not on a quarter of an hour."""
import logging

from ..conftest import TOKEN, line_settings
from ..phone import Phone
from ..twilio_api import RecordingHttpClient

WHO_TO_CONTACT = ("3", "4", "1", "1")   # advice, parents and carers, part 3: the Gateway Team and its hours
ACCOUNT = "AC" + "1" * 32


def advice_part_3_reply(phone, language_key):
    reply = phone.ring().press(language_key)
    for key in WHO_TO_CONTACT:
        reply = reply.press(key)
    return reply


def advice_part_3(phone, language_key):
    return advice_part_3_reply(phone, language_key).said[0]


def test_the_shipped_hours_are_said_from_line_yaml_in_each_language(phone):
    said = {key: advice_part_3(phone, key) for key in "12678"}
    assert "Monday to Friday, 9 am to 5 pm, on 0300 1234 333." in said["1"]
    assert "od poniedziałku do piątku, od dziewiątej do siedemnastej, pod numer 0300 1234 333" in said["2"]
    assert "de luni până vineri, de la ora nouă la ora șaptesprezece, la 0300 1234 333" in said["6"]
    assert "от понеделник до петък, от девет сутринта до пет следобед, на 0300 1234 333" in said["7"]
    assert "de segunda-feira a sexta-feira, das nove da manhã às cinco da tarde" in said["8"]
    nspcc = phone.ring().press("1").press("3").press("4").press("1").press("1").press("1").press("1")
    assert nspcc.said[0] == ("For advice, the NSPCC helpline is open Monday to Friday, 8 am to 10 pm and Saturday to "
                             "Sunday, 9 am to 6 pm, on 0808 800 5000.")


def test_a_line_that_closes_at_1630_is_set_up_in_line_yaml_alone(make_app, clock, caplog):
    settings = line_settings()
    settings["office_hours"]["close"] = "16:30"          # the only change
    with caplog.at_level(logging.WARNING):
        app = make_app(settings, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=(api := RecordingHttpClient()))
    phone = Phone(app.test_client(), TOKEN)
    assert "Monday to Friday, 9 am to 4:30 pm, on 0300 1234 333." in advice_part_3(phone, "1")
    assert "od poniedziałku do piątku, od dziewiątej do 16:30, pod numer" in advice_part_3(phone, "2")
    phone.call["From"] = "+447700900123"
    phone.ring().press("1").press("4").press("1")
    assert "Gateway Team, Mon-Fri 9am-4:30pm: 0300 1234 333" in api.requests[0]["data"]["Body"].split("\n")
    clock.set("2026-07-14 16:45")   # a Tuesday: the Gateway Team has closed, the out-of-hours service answers
    assert phone.ring().press("1").press("0").dialled == ["+442895049999"]
    # Irish says times from pieces recorded once, every quarter of an hour among them: no new recording
    assert "withheld" not in caplog.text
    clock.set("2026-07-14 10:00")
    assert "time.1630" in played(advice_part_3_reply(phone, "4"))


def test_a_time_never_recorded_in_irish_withholds_irish_alone_naming_its_piece(make_app, caplog):
    settings = line_settings()
    settings["office_hours"]["close"] = "16:20"   # not a quarter of an hour: one piece to record
    with caplog.at_level(logging.WARNING):
        app = make_app(settings)
    assert "language ga is withheld from callers until it is ready" in caplog.text
    assert "language ga: time.1620: has no recording" in caplog.text
    phone = Phone(app.test_client(), TOKEN)
    menu = phone.ring()
    assert not [play.text for play in menu.root.iter("Play") if "/audio/ga/" in play.text]
    assert menu.press("4").said[0] == "Sorry, that is not one of the choices."   # Irish's key, unused meanwhile
    assert "od poniedziałku do piątku, od dziewiątej do 16:20, pod numer" in advice_part_3(phone, "2")


def played(reply) -> list[str]:
    return [play.text.rsplit("/", 1)[1].removesuffix(".wav") for play in reply.root.iter("Play")]


def test_new_hours_and_a_new_number_need_no_new_irish_recordings(make_app):
    """Irish has no voice: its sentences are recorded in parts, and numbers and hours are played
    from pieces recorded once (digits, days, the 24 hours, the joining words)."""
    settings = line_settings()
    settings["office_hours"].update(open="08:00", close="16:00")
    settings["contacts"]["gateway"].update(numbers=[{"number": "+442890000555"}], spoken="028 9000 0555")
    app = make_app(settings)
    assert app.extensions["ivr.files"].withheld == {}   # Irish stays on the menu, with the old recordings
    phone = Phone(app.test_client(), TOKEN)
    pieces = played(advice_part_3_reply(phone, "4"))
    days = ["day.0", "hours.days.2", "day.4"]                                 # Dé Luain go Dé hAoine
    hours = ["hours.period.2", "time.08", "hours.period.3", "time.16"]        # idir a hocht ... agus a ceathair
    number = ["digit.0", "digit.2", "digit.8", "pause", "digit.9", "digit.0", "digit.0", "digit.0", "pause",
              "digit.0", "digit.5", "digit.5", "digit.5"]   # 028 9000 0555, a short pause between its groups
    assert _within(days + hours, pieces) and _within(number, pieces)
    assert "time.17" not in pieces and "time.09" not in pieces
    for name in pieces:   # every piece is there to be played
        assert app.test_client().get(f"/audio/ga/{name}.wav").status_code == 200


def _within(run: list[str], found: list[str]) -> bool:
    return any(found[i:i + len(run)] == run for i in range(len(found)))
