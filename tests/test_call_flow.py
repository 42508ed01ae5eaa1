"""A caller walks the English line: greeting, menus, messages, repeat, back, speak to someone."""
import xml.etree.ElementTree as ET

import pytest

from .conftest import GATEWAY, OUT_OF_HOURS, ROOT, TOKEN, english_only, line_settings
from .phone import Phone

MESSAGES = {  # path of keys from the main menu -> words the message must contain
    "1": "Child sexual exploitation is a form of sexual abuse",
    "2": "Here are the warning signs",
    "31": "Keeping children safe online",
    "32": "Talking with children about staying safe online",
    "33": "If you are worried that a child is sending explicit photos",
    "34": "Information for parents and foster carers",
}
MENUS = {"": "To hear the warning signs, say warning signs, or press 2", "3": "Advice for parents, carers and professionals"}


def walk(phone, keys):
    reply = phone.english()
    for key in keys:
        reply = reply.press(key)
    return reply


def test_greeting_names_the_line_then_999_then_privacy(phone):
    said = phone.ring().said
    assert said[0] == "Thank you for calling the child sexual exploitation information line."
    assert said[1] == "If a child is in immediate danger, hang up and call 999."
    assert said[2] == "This line does not record your call or keep your phone number."


def test_999_is_said_digit_by_digit(phone):
    danger = phone.ring().says[1]
    digits = [el.text for el in danger.iter("say-as") if el.get("interpret-as") == "digits"]
    assert digits == ["999"]


def test_one_language_skips_the_language_menu_straight_to_the_main_menu(phone_for):
    reply = phone_for(english_only()).ring()
    assert reply.said[3:] == [
        "To hear what child sexual exploitation is, say information, or press 1.",
        "To hear the warning signs, say warning signs, or press 2.",
        "For advice, including keeping children safe online, say advice, or press 3.",
        "To speak to someone, say speak to someone, or press 0.",
        "To hear this again, say repeat, or press star.",
        "To hear messages more slowly, say slower, or press 9.",
    ]


def test_the_main_menu_of_the_shipped_line_follows_the_language_menu(phone):
    assert phone.english().said == [
        "To hear what child sexual exploitation is, say information, or press 1.",
        "To hear the warning signs, say warning signs, or press 2.",
        "For advice, including keeping children safe online, say advice, or press 3.",
        "To speak to someone, say speak to someone, or press 0.",
        "To hear this again, say repeat, or press star.",
        "To go back, say go back, or press hash.",
        "To hear messages more slowly, say slower, or press 9.",
    ]


def test_every_spoken_prompt_is_inside_the_gather_so_callers_can_press_early(phone):
    reply = phone.english()
    gather = reply.gather
    assert len(list(gather.iter("Say"))) == len(reply.says)
    assert gather.get("action").startswith("/voice/key?")
    assert gather.get("numDigits") == "1" and gather.get("finishOnKey") == ""
    assert gather.get("timeout") == "8"
    assert list(reply.root)[-1].tag == "Redirect"


@pytest.mark.parametrize("keys, words", MESSAGES.items())
def test_each_message_is_reachable_and_ends_with_what_to_do_next(phone, keys, words):
    reply = walk(phone, keys)
    assert words in reply.said[0]
    assert reply.said[1:] == ["To speak to someone, say speak to someone, or press 0.", "To hear this again, say repeat, or press star.",
                              "To go back, say go back, or press hash."]


@pytest.mark.parametrize("keys", list(MESSAGES) + list(MENUS))
def test_star_repeats_what_was_just_said(phone, keys):
    before = walk(phone, keys)
    again = before.press("*")
    assert again.said == before.said


@pytest.mark.parametrize("keys, parent", [("1", ""), ("2", ""), ("3", ""), ("31", "3"), ("32", "3"),
                                          ("33", "3"), ("34", "3")])
def test_hash_goes_back_one_level(phone, keys, parent):
    back = walk(phone, keys).press("#")
    assert back.hears(MENUS[parent])


def test_hash_on_the_main_menu_of_a_one_language_line_stays_there(phone_for):
    reply = phone_for(english_only()).ring().press("#")
    assert reply.hears("To hear the warning signs, say warning signs, or press 2")


@pytest.mark.parametrize("keys", list(MESSAGES) + list(MENUS))
def test_zero_puts_the_caller_through_from_every_node(phone, keys):
    reply = walk(phone, keys).press("0")
    assert reply.dialled == [GATEWAY]   # the clock says Tuesday 10:00
    assert reply.hears("I am putting you through to the Gateway Team")


def test_what_it_is_follows_the_source_page():
    text = (ROOT / "prompts" / "en.yaml").read_text()
    for words in ("manipulated or forced", "attention, a sense of belonging, or affection",
                  "money, drugs, alcohol or accommodation", "Fear of what might happen",
                  "online, at house parties", "moved from place to place", "There is no typical victim",
                  "any child, at any time, anywhere"):
        assert words in " ".join(text.split()), words


def test_the_four_warning_signs_are_exactly_those_of_the_source_page(phone):
    said = walk(phone, "2").said[0]
    seed = ROOT.parent / "shared" / "seed" / "000_72d46a8546e12844.txt"
    if seed.is_file():
        signs = [line.strip(" •\t") for line in seed.read_text().splitlines() if line.strip().startswith("•")]
    else:  # a clone without shared/ beside it: the page's words, copied
        signs = ["Regularly missing from home or school or staying out all night",
                 "Receiving lots of texts or phone calls prior to leaving",
                 "Changing in physical appearance or personal hygiene",
                 "Experiencing low self-esteem or self-harming"]
    assert len(signs) == 4
    positions = [said.index(sign) for sign in signs]
    assert positions == sorted(positions)


def test_advice_names_the_apps_and_the_sources_people_can_use(phone):
    assert walk(phone, "31").hears("Snapchat, MeowChat and Instagram")
    assert walk(phone, "31").hears("CEOP")
    assert walk(phone, "32").hears("Thinkuknow")
    assert walk(phone, "32").hears("Childline, free and in confidence, on 0800 1111")
    assert walk(phone, "33").hears("Report Remove")


def test_parents_and_carers_hear_both_numbers_digit_by_digit_in_their_groups(phone):
    reply = walk(phone, "34")
    assert reply.hears("on 0300 1234 333, or the Regional Emergency Social Work Service outside these hours, "
                       "on 028 9504 9999.")
    digits = [el.text for el in reply.says[0].iter("say-as") if el.get("interpret-as") == "digits"]
    assert digits == ["0300", "1234", "333", "028", "9504", "9999"]


def test_each_say_has_the_languages_voice(phone):
    for say in phone.english().says:
        assert say.get("voice") == "Polly.Amy-Neural" and say.get("language") == "en-GB"


def test_out_of_hours_the_transfer_goes_to_the_emergency_social_work_service(phone, clock):
    clock.set("2026-07-14 17:00")
    reply = phone.english().press("0")
    assert reply.dialled == [OUT_OF_HOURS]
    assert reply.hears("I am putting you through to the Regional Emergency Social Work Service, "
                       "on 028 9504 9999. Please hold.")


def test_the_transfer_rings_for_the_configured_time_and_reports_back(phone):
    dial = phone.english().press("0").dial
    assert dial.get("timeout") == "30"
    assert dial.get("action").startswith("/voice/transfer/done?")
    assert dial.get("callerId") is None   # Twilio passes on the caller's own number


def test_a_configured_caller_id_is_used(phone_for):
    settings = line_settings()
    settings["transfer"]["caller_id"] = "+442890000000"
    settings["transfer"]["timeout_seconds"] = 45
    dial = phone_for(settings).english().press("0").dial
    assert dial.get("callerId") == "+442890000000" and dial.get("timeout") == "45"


def test_state_travels_in_the_url_not_on_the_server(phone, make_app):
    action = walk(phone, "3").gather.get("action")
    assert "node=advice" in action and "lang=en-GB" in action
    other_worker = Phone(make_app().test_client(), TOKEN)
    assert other_worker.reply(action, {"Digits": "2"}).hears("Talking with children")


def test_cached_answers_never_carry_one_callers_state_to_another(phone, make_app):
    """The TwiML of a step is built once per state and reused: two callers, interleaved."""
    other = Phone(phone.client, TOKEN)
    other.call.update(CallSid="CA" + "7" * 32, From="+447700900999")
    slow = phone.ring().press("2").press("9")             # Polish, slower
    plain = other.ring().press("2")                       # Polish, normal speed
    assert "slow=1" in slow.gather.get("action") and "slow=1" not in plain.gather.get("action")
    assert {p.get("rate") for p in slow.root.iter("prosody")} == {"80%"}
    assert not list(plain.root.iter("prosody"))
    again = other.ring().press("2")
    assert again.said == plain.said and again.gather.get("action") == plain.gather.get("action")
    for reply in (slow, plain, again):
        xml = ET.tostring(reply.root, encoding="unicode")
        assert "7700900" not in xml and "CA7777" not in xml and "CA1234" not in xml
