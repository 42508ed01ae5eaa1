"""Whatever arrives, a call webhook answers well-formed TwiML and dials only configured numbers."""
import datetime as dt
import os
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS, regional_settings

ROUTES = ["/voice", "/voice/key", "/voice/silence", "/voice/transfer/done", "/voice/fallback",
          "/voice/screen", "/voice/screen/answer"]
NAMES = ["node", "lang", "silences", "wrong", "prompted", "contact", "try", "slow", "texted", "area"]
VALUES = ["main", "advice", "what_is", "what_is_2", "language", "transfer_failed", "en-GB", "pl", "ga", "gateway",
          "emergency_social_work", "nspcc", "area", "area_south_east", "belfast", "western", "southern",
          "0", "1", "2", "3", "9", "99", "-1", "²", "+447700900123"]
printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
value = st.one_of(st.sampled_from(VALUES), printable)
query = st.dictionaries(st.one_of(st.sampled_from(NAMES), printable), value, max_size=6)
form = st.fixed_dictionaries({}, optional={
    "Digits": st.one_of(st.sampled_from(list("0123456789*#") + ["", "##", "10"]), printable),
    "SpeechResult": printable,
    "DialCallStatus": st.one_of(st.sampled_from(["completed", "busy", "no-answer", "failed", "canceled"]),
                                printable),
    "DialBridged": st.one_of(st.sampled_from(["true", "false", ""]), printable),
    "ParentCallSid": st.one_of(st.just("CA" + "5" * 32), printable),
    "To": st.one_of(st.just("+442890000000"), printable),
})
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31),
                       timezones=st.just(dt.timezone.utc))


PROPERTY = settings(max_examples=int(os.environ.get("IVR_PROPERTY_EXAMPLES", 300)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
REQUESTS = dict(route=st.sampled_from(ROUTES), query=query, form=form, moment=moments)


def answers_well(phone, clock, route, query, form, moment, dialable: set[str]) -> list[str]:
    clock.set(moment)
    url = f"{route}?{urlencode(query)}" if query else route
    safety_net = REGISTRY.get_sample_value("ivr_safety_net_total")
    response = phone.post(url, form)
    assert response.status_code == 200, (url, form, response.data[:300])
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    dialled = [n.text for n in root.iter("Number")]
    assert set(dialled) <= dialable
    # Whoever answers a transfer hears only the line's own whisper.
    assert all(n.get("url") is None or n.get("url").startswith("/voice/screen?") for n in root.iter("Number"))
    # Something happens next: a menu listening, a transfer or a hang-up. No dead air. (The team's
    # leg is the exception: an empty answer to its key is how Twilio joins the caller.)
    assert {child.tag for child in root} & {"Gather", "Dial", "Hangup"} or route == "/voice/screen/answer"
    # ... and it came from the engine, not from the safety net catching a crash.
    assert REGISTRY.get_sample_value("ivr_safety_net_total") == safety_net, (url, form)
    return dialled


@PROPERTY
@given(**REQUESTS)
def test_any_request_gets_twiml_that_dials_only_configured_numbers(phone, clock, route, query, form, moment):
    answers_well(phone, clock, route, query, form, moment, {GATEWAY, OUT_OF_HOURS})


@pytest.fixture
def regional_phone(phone_for):
    return phone_for(regional_settings())


@PROPERTY
@given(**REQUESTS)
def test_a_regional_line_dials_only_its_areas_numbers_however_the_url_is_forged(regional_phone, clock, route, query,
                                                                              form, moment):
    answers_well(regional_phone, clock, route, query, form, moment, every_number(regional_settings()))


def every_number(settings: dict) -> set[str]:
    """Every number line.yaml lists, in contacts and in each area's contacts."""
    contacts = list(settings["contacts"].values())
    contacts += [c for area in settings.get("areas", {}).values() for c in area.get("contacts", {}).values()]
    found = set()
    for contact in contacts:
        found |= {entry["number"] for entry in contact.get("numbers", [])} | ({contact["number"]} - {None}
                                                                              if "number" in contact else set())
    return found
