"""Hours are said from line.yaml, in every language: a line that closes at 16:30 is set up by
editing line.yaml alone (ivr/hours_words.py: CLDR's day names and times, put together by each
catalog's hours.* words). Irish, said from recordings, is withheld until they are made again."""
import logging

from ..conftest import TOKEN, line_settings
from ..phone import Phone
from ..twilio_api import RecordingHttpClient

WHO_TO_CONTACT = ("3", "4", "1", "1")   # advice, parents and carers, part 3: the Gateway Team and its hours
ACCOUNT = "AC" + "1" * 32


def advice_part_3(phone, language_key):
    reply = phone.ring().press(language_key)
    for key in WHO_TO_CONTACT:
        reply = reply.press(key)
    return reply.said[0]


def test_the_shipped_hours_are_said_from_line_yaml_in_each_language(phone):
    said = {key: advice_part_3(phone, key) for key in "12678"}
    assert "Monday to Friday, 9 am to 5 pm, on 0300 1234 333." in said["1"]
    assert "od poniedziałku do piątku, od dziewiątej do siedemnastej, pod numer 0300 1234 333" in said["2"]
    assert "de luni până vineri, între orele nouă și șaptesprezece, la 0300 1234 333" in said["6"]
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
    # Irish is said from recordings of the old hours: withheld, the line up, until they are made again
    assert "language ga is withheld from callers until it is ready" in caplog.text
    assert "content.advice_parents_carers_3: its recording says other words" in caplog.text
    menu = phone.ring()
    assert not any(play.text.endswith("/audio/ga/language.choose.wav") for play in menu.root.iter("Play"))
    assert menu.press("4").said[0] == "Sorry, that is not one of the choices."   # Irish's key, unused meanwhile
