"""One line for all of Northern Ireland, as its callers meet it: each Trust's area, asked only when
it changes who answers. (What the people running a regional line see of the areas, the console,
the figures, check and line.yaml's mistakes, is in tests/telephony/test_area_setup.py.)"""
import logging

import pytest

from ivr.callflow.actions import Call
from ivr.routing import Routing

from ..areas import (BELFAST_NUMBER, GATEWAYS, NSPCC, REGIONAL, ask_for_a_person, digits, first_number,
                     put_through_in, with_council_number)
from ..conftest import OUT_OF_HOURS, TOKEN, read_line, regional_settings, shipped_settings, twiml_of
from ..twilio_api import RecordingHttpClient
from ..phone import BASE_URL, Phone
from ..words import offered, translation


WESTERN_OUT_OF_HOURS = "+442871345171"   # made up for these tests


def with_western_out_of_hours(settings: dict) -> dict:
    """The Western area with an out-of-hours service of its own (no hours: whenever it is sent callers)."""
    settings["areas"]["western"]["contacts"]["emergency_social_work"] = {
        "name": "Western out of hours", "number": WESTERN_OUT_OF_HOURS, "spoken": "028 7134 5171"}
    return settings


# -- a council's own number: no question -----------------------------------------------------

def test_a_council_number_goes_straight_to_its_trust_in_hours(regional, clock):
    clock.set("2026-07-14 10:00")
    reply = ask_for_a_person(regional, to=BELFAST_NUMBER)
    assert reply.dialled == [first_number(GATEWAYS["belfast"])]
    assert not reply.hears(translation("en-GB", "area.question"))


def test_a_council_number_goes_to_the_regional_service_out_of_hours(regional, clock):
    clock.set("2026-07-14 19:00")
    reply = ask_for_a_person(regional, to=BELFAST_NUMBER)
    assert reply.dialled == [OUT_OF_HOURS]


def test_the_shipped_line_belongs_to_the_northern_trust_and_never_asks(phone_for, clock):
    phone = phone_for(shipped_settings())
    reply = ask_for_a_person(phone)
    assert reply.dialled == [first_number(GATEWAYS["northern"])]


# -- a regional number: asked only when it matters ---------------------------------------------

@pytest.mark.parametrize("code", [lang["code"] for lang in shipped_settings()["languages"]])
def test_a_regional_call_is_asked_the_area_when_0_is_pressed_in_hours_in_its_language(regional, clock, code):
    clock.set("2026-07-14 10:00")
    language_key = str([lang["code"] for lang in shipped_settings()["languages"]].index(code) + 1)
    main = regional.ring(REGIONAL).press(language_key)
    assert not main.hears(translation(code, "area.question")) and main.dialled == []
    question = main.press("0")
    assert question.dialled == [], "nobody is rung before the caller says where the child lives"
    if code == "ga":   # recordings only: the question is played
        assert any(play.text.endswith("/audio/ga/area.question.wav") for play in question.root.iter("Play"))
    else:
        assert question.said[0] == translation(code, "area.question")
        assert question.hears(offered(code, "option.not_sure", "0"))
        assert question.hears(offered(code, "option.area_belfast", "1"))


def test_a_regional_call_out_of_hours_is_put_through_without_a_question(regional, clock):
    clock.set("2026-07-18 11:00")   # a Saturday
    reply = ask_for_a_person(regional)
    assert reply.dialled == [OUT_OF_HOURS]
    assert not reply.hears(translation("en-GB", "area.question"))


def test_the_content_is_the_same_for_everyone_and_asks_nothing(regional, clock):
    signs = regional.ring(REGIONAL).press("1").press("2")
    assert signs.said[0] == translation("en-GB", "content.warning_signs")
    assert not signs.hears(translation("en-GB", "area.question"))


@pytest.mark.parametrize("area", list(GATEWAYS))
def test_each_area_chosen_rings_its_own_gateway_team(regional, clock, menu, area):
    reply = put_through_in(regional, menu, area)
    assert reply.dialled == [first_number(GATEWAYS[area])]
    assert "area=" + area in reply.dial.get("action"), "the area is kept for the rest of the call"


def test_the_area_question_offers_at_most_five_options(menu):
    for node in menu.area_nodes:
        assert len(menu.nodes[node].options) + 1 <= 5   # with "not sure"


def test_not_sure_goes_to_the_nspcc_helpline(regional):
    reply = ask_for_a_person(regional).press("0")
    assert reply.dialled == [NSPCC]
    assert reply.hears(translation("en-GB", "transfer.nspcc").split(".")[0])
    assert reply.dial.find("Number").get("url") is None, "the NSPCC answers with its own menu: not screened"


def test_not_sure_can_be_said(regional):
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": "I'm not sure"})
    assert reply.dialled == [NSPCC]


def test_a_town_can_be_said(regional):
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": "Enniskillen"})
    assert reply.dialled == [first_number(GATEWAYS["western"])]


def test_silence_at_the_area_question_asks_again_then_puts_through_to_someone_who_can_help(regional):
    question = ask_for_a_person(regional)
    again = question.silence()
    assert again.said[0] == translation("en-GB", "error.no_input")
    assert again.hears(offered("en-GB", "option.area_belfast", "1"))
    last = again.silence().silence()
    assert last.hears(translation("en-GB", "transfer.after_limit"))
    assert last.dialled == [NSPCC]


def test_wrong_keys_at_the_area_question_follow_the_same_rules(regional):
    question = ask_for_a_person(regional)
    wrong = question.press("7")
    assert wrong.said[0] == translation("en-GB", "error.wrong_key")
    assert wrong.press("8").press("7").dialled == [NSPCC]


def test_back_from_the_area_question_returns_to_the_main_menu(regional):
    back = ask_for_a_person(regional).press("#")
    assert back.hears(offered("en-GB", "option.warning_signs", "2"))
    deeper = ask_for_a_person(regional).press("4").press("#")
    assert deeper.said[0] == translation("en-GB", "area.question")


# -- everything else follows the area ----------------------------------------------------------

def test_after_a_failed_transfer_the_caller_hears_their_areas_number_and_the_options(regional, menu):
    reply = put_through_in(regional, menu, "southern")
    failed = reply.transfer_ends("busy")
    assert failed.said[0] == translation("en-GB", "transfer_failed.gateway").replace("{gateway}", "0800 783 7745")
    assert failed.said[1:] == [translation("en-GB", "transfer_failed.also.nspcc").replace("{nspcc}", "0808 800 5000"),
                               translation("en-GB", "transfer_failed.police").replace("{police_non_emergency}", "101"),
                               translation("en-GB", "transfer_failed.danger").replace("{emergency}", "999"),
                               offered("en-GB", "option.try_again", "1")]
    assert failed.press("1").dialled == [first_number(GATEWAYS["southern"])], "trying again asks nothing more"
    assert not failed.press("2").dialled   # in office hours, urgent means the police (said, never dialled)


@pytest.mark.parametrize("area", list(GATEWAYS))
def test_as_deployed_each_areas_callers_hear_their_own_areas_number(phone_for, menu, area):
    """As deployed (IVR_PUBLIC_URL), the speech of what the line says is made when it starts, once
    for each version of a prompt (ivr/render.py): one that says an area's number has a version for
    each area, and the callers of each hear their own."""
    phone = phone_for(with_council_number(regional_settings()), IVR_PUBLIC_URL=BASE_URL)
    failed = put_through_in(phone, menu, area).transfer_ends("busy")
    assert failed.said[0] == translation("en-GB", "transfer_failed.gateway").replace(
        "{gateway}", GATEWAYS[area]["spoken"])


class Sent:
    """The bodies of the texts the Twilio API was asked to send."""
    def __init__(self, api):
        self.api = api

    def __getitem__(self, index):
        return [r["data"]["Body"] for r in self.api.requests if r["url"].endswith("/Messages.json")][index]


def test_the_text_message_names_the_areas_gateway_number(make_app, menu, monkeypatch):
    api = RecordingHttpClient()
    app = make_app(with_council_number(regional_settings()), TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                   TWILIO_HTTP_CLIENT=api)
    sent = Sent(api)
    phone = Phone(app.test_client(), TOKEN)
    phone.ring(BELFAST_NUMBER).press("1").press("4").press("1")
    phone.call["CallSid"] = "CA" + "5678" * 8   # another call
    assert "028 9050 7000" in sent[0]
    assert not any(c["spoken"] in sent[0] for area, c in GATEWAYS.items() if area != "belfast")
    phone.ring(REGIONAL).press("1").press("4").press("1")
    assert not any(c["spoken"] in sent[1] for c in GATEWAYS.values()), "no area: no number that may be wrong"
    assert "Gateway Team, Mon-Fri 9am-5pm: call this line, press 0" in sent[1].split("\n")


def test_goodbye_names_the_areas_numbers_or_says_how_to_be_put_through(phone_for):
    settings = with_council_number(regional_settings())
    settings["input"]["after_limit"] = "goodbye"
    phone = phone_for(settings)
    known = phone.ring(BELFAST_NUMBER).press("1").silence().silence().silence()
    assert known.hangs_up and known.hears("028 9050 7000")
    unknown = phone.ring(REGIONAL).press("1").silence().silence().silence()
    assert unknown.hangs_up and unknown.hears(translation("en-GB", "goodbye.numbers.any_area").split(",")[0])
    assert not any(number in unknown.text for number in ("028 9050 7000", "0300 1234 333"))


def test_the_advice_names_the_areas_number_only_when_the_area_is_known(regional):
    # English, advice, parents and carers, then its next two parts
    known = regional.ring(BELFAST_NUMBER).press("1").press("3").press("4").press("1").press("1")
    assert known.hears("028 9050 7000")
    unknown = regional.ring(REGIONAL).press("1").press("3").press("4").press("1").press("1")
    assert unknown.hears(translation("en-GB", "content.advice_parents_carers_3.any_area")[:60])


def test_the_safety_net_puts_a_caller_through_in_their_area(regional, clock):
    clock.set("2026-07-14 10:00")
    app = regional.client.application
    engine = app.extensions["ivr.engine"]
    twiml = twiml_of(app, engine.rescue("en-GB", Call(clock.now), "western", slow=False))
    assert first_number(GATEWAYS["western"]) in twiml
    assert NSPCC in twiml_of(app, engine.rescue("en-GB", Call(clock.now), None, slow=False))
    # an area the line does not have (a forged URL): as a caller not sure of it
    assert twiml_of(app, engine.rescue("en-GB", Call(clock.now), "atlantis", slow=False)) == \
        twiml_of(app, engine.rescue("en-GB", Call(clock.now), None, slow=False))


def test_when_the_routing_fails_the_safety_net_rings_and_names_the_areas_own_services(phone_for, clock, monkeypatch,
                                                                                        caplog):
    app = phone_for(with_western_out_of_hours(with_council_number(regional_settings()))).client.application
    engine = app.extensions["ivr.engine"]

    def no_routing(self, now):
        raise ValueError("the clock broke")
    monkeypatch.setattr(Routing, "route_for", no_routing)
    with caplog.at_level(logging.ERROR):
        twiml = twiml_of(app, engine.rescue("en-GB", Call(clock.now), "western", slow=False))
    assert [r.getMessage() for r in caplog.records if r.name == "ivr.callflow.transfers"] == [
        "routing failed in the safety net"]
    assert f'url="/voice/screen?lang=en-GB">{WESTERN_OUT_OF_HOURS}</Number>' in twiml   # screened, as any transfer
    assert ">7131<" in twiml, "the numbers said afterwards are the area's (its Gateway Team's, 028 7131 4090)"
    assert OUT_OF_HOURS not in twiml


def test_an_areas_own_out_of_hours_service_that_takes_day_calls_is_offered_as_urgent_in_that_area_only(
        phone_for, clock, menu):
    phone = phone_for(with_western_out_of_hours(with_council_number(regional_settings())))
    clock.set("2026-07-14 10:00")
    urgent = offered("en-GB", "option.urgent", "2")
    western = put_through_in(phone, menu, "western").transfer_ends("busy")
    assert urgent in western.said
    assert western.press("2").dialled == [WESTERN_OUT_OF_HOURS]
    belfast = put_through_in(phone, menu, "belfast").transfer_ends("busy")
    assert urgent not in belfast.said, "the line's own service keeps its hours"
    assert not belfast.press("2").dialled


def test_a_report_of_a_transfer_to_a_contact_the_line_no_longer_has_offers_whoever_answers_in_the_callers_area(
        regional, clock, menu):
    """A contact renamed in line.yaml while a caller was being put through: Twilio's report names the
    old one. The caller hears who answers now in their own area could not take the call, and may try again."""
    # (found by mutation testing: the caller was told the NSPCC helpline, who answers a caller of no
    # known area, could not take the call, and no test noticed)
    clock.set("2026-07-14 10:00")
    western = put_through_in(regional, menu, "western")
    assert western.dialled == [first_number(GATEWAYS["western"])]
    action = western.dial.get("action")
    assert "contact=gateway" in action and "area=western" in action
    failed = western.transfer_ends("busy", action=action.replace("contact=gateway", "contact=renamed"))
    assert failed.said[0] == "Sorry, the Gateway Team could not take your call. Its number is 028 7131 4090."
    assert failed.press("1").dialled == [first_number(GATEWAYS["western"])]


def test_after_a_failed_transfer_the_services_open_are_those_of_the_callers_area(phone_for, clock):
    settings = with_council_number(regional_settings())
    # made up for this test: Belfast's callers may reach the helpline at any hour
    settings["areas"]["belfast"]["contacts"]["nspcc"] = {**settings["contacts"]["nspcc"], "hours": "any time"}
    phone = phone_for(settings)
    clock.set("2026-07-14 22:30")   # the line's helpline is closed
    also = translation("en-GB", "transfer_failed.also.nspcc").replace("{nspcc}", "0808 800 5000")
    assert also in phone.ring(BELFAST_NUMBER).press("1").press("0").transfer_ends("busy").said
    assert also not in ask_for_a_person(phone).transfer_ends("busy").said


def test_the_static_fallback_of_a_regional_line_dials_nobody_and_says_where_to_call(regional):
    # It cannot know the time, and every service of the shipped line keeps hours of its own.
    fallback_twiml = regional.client.application.extensions["ivr.fallback_twiml"]
    assert "<Dial" not in fallback_twiml and fallback_twiml.rstrip().endswith("<Hangup /></Response>")
    assert translation("en-GB", "error.line_down") in fallback_twiml
    assert "call this line again" in fallback_twiml   # the Gateway Team where the child lives, with its hours
    assert not any(digits(c["spoken"]) in digits(fallback_twiml) for c in GATEWAYS.values())


# -- config that cannot lie ----------------------------------------------------------------------

def test_an_area_may_keep_its_own_office_hours(phone_for, clock, menu):
    settings = regional_settings()
    settings["areas"]["western"]["office_hours"] = {"close": "16:30"}
    phone = phone_for(settings)
    clock.set("2026-07-14 16:45")   # the others are open; the Western Trust's team has gone home
    reply = put_through_in(phone, menu, "western")
    assert reply.dialled == [OUT_OF_HOURS]


def test_every_option_of_the_area_question_says_its_key_in_every_language():
    line = read_line().files
    for language in line.config.languages:
        options = [u for u in line.inventory.utterances(language)
                   if u.prompt.startswith(("option.area_", "option.not_sure"))]
        assert len(options) == 7
        for utterance in options:
            assert utterance.key and line.wording.plain(utterance).rstrip(" .").endswith(utterance.key), \
                (language.code, utterance.prompt, line.wording.plain(utterance))


def test_after_too_many_tries_at_the_area_question_the_caller_is_put_through_even_on_a_goodbye_line(phone_for):
    settings = regional_settings()
    settings["input"]["after_limit"] = "goodbye"
    reply = ask_for_a_person(phone_for(settings)).press("7").press("7").press("7")
    assert reply.dialled == [NSPCC] and not reply.hangs_up


def test_trying_again_after_the_nspcc_did_not_answer_asks_nothing_more(regional):
    failed = ask_for_a_person(regional).press("0").transfer_ends("failed")
    assert failed.press("1").dialled == [NSPCC]


@pytest.mark.parametrize("said, area", [("Dungannon", "southern"), ("Portadown please", "southern"),
                                        ("Holywood", "south_eastern"), ("Lisburn", "south_eastern")])
def test_a_town_of_the_second_question_said_at_the_first_chooses_its_area_at_once(regional, said, area):
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": said})
    assert reply.dialled == [first_number(GATEWAYS[area])]


def test_county_down_alone_is_asked_again_because_it_spans_two_trusts(regional):
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": "County Down"})
    assert reply.said[0] == translation("en-GB", "area.question_south_east") and reply.dialled == []


def test_an_area_that_closes_earlier_is_said_so_to_its_callers_only(phone_for, clock):
    settings = with_council_number(regional_settings())
    settings["areas"]["western"]["office_hours"] = {"close": "16:30"}
    settings["called_numbers"]["+442890000003"] = {"area": "western"}
    phone = phone_for(settings)
    western = phone.ring("+442890000003").press("1").press("3").press("4").press("1").press("1")
    assert "Monday to Friday, 9 am to 4:30 pm, on 028 7131 4090." in western.said[0]
    belfast = phone.ring(BELFAST_NUMBER).press("1").press("3").press("4").press("1").press("1")
    assert "Monday to Friday, 9 am to 5 pm, on 028 9050 7000." in belfast.said[0]


def test_a_caller_whose_town_is_not_read_out_hears_first_how_to_reach_a_person(regional, clock):
    clock.set("2026-07-14 10:00")
    question = ask_for_a_person(regional)
    assert question.said[:3] == ["Where does the child live?",
                                 "If the town is not named, or you are not sure, press 0.",
                                 "Belfast: press 1."]


# Every council district's main towns, by the Trust that serves them (the districts each Trust was
# formed from: see prompts/en.yaml, the area question). "Hollywood": how a recogniser may write Holywood.
TOWNS = {"northern": ["Cookstown", "Magherafelt", "Newtownabbey", "Glengormley", "Larne", "Carrickfergus",
                      "Ballymoney", "Ballyclare", "Portrush"],
         "western": ["Strabane", "Limavady", "Enniskillen", "Castlederg", "Omagh", "Londonderry"],
         "south_eastern": ["Holywood", "Hollywood", "Bangor", "Newtownards", "Downpatrick", "Comber",
                           "Ballynahinch", "Donaghadee"],
         "southern": ["Dungannon", "Kilkeel", "Warrenpoint", "Banbridge", "Craigavon", "Portadown", "Lurgan",
                      "Coalisland", "Keady", "Newry"],
         "belfast": ["Belfast"]}


@pytest.mark.parametrize("said, area", [(town, area) for area, towns in TOWNS.items() for town in towns])
def test_each_district_s_main_towns_said_reach_their_trust(regional, clock, said, area):
    clock.set("2026-07-14 10:00")
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": f"{said}."})
    assert reply.dialled == [first_number(GATEWAYS[area])], said


@pytest.mark.parametrize("said", ["Castlereagh", "Dundonald", "Carryduff", "Dromore", "somewhere else"])
def test_a_place_in_two_trusts_or_elsewhere_counts_as_not_sure(regional, clock, said):
    """Castlereagh's towns lie partly in the Belfast Trust's area; there is a Dromore in County Down
    (Southern) and one in County Tyrone (Western): the NSPCC passes the concern to the right Trust."""
    clock.set("2026-07-14 10:00")
    question = ask_for_a_person(regional)
    reply = regional.reply(question.gather.get("action"), {"SpeechResult": said})
    assert reply.dialled == [NSPCC], said
