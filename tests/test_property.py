"""Whatever arrives, a call webhook answers well-formed TwiML and dials only configured numbers."""
import datetime as dt
import os
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from .conftest import GATEWAY, OUT_OF_HOURS

ROUTES = ["/voice", "/voice/key", "/voice/silence", "/voice/transfer/done", "/voice/fallback",
          "/voice/screen", "/voice/screen/answer"]
NAMES = ["node", "lang", "silences", "wrong", "prompted", "contact", "try", "slow", "texted"]
VALUES = ["main", "advice", "what_is", "what_is_2", "language", "transfer_failed", "en-GB", "pl", "ga", "gateway",
          "emergency_social_work", "0", "1", "2", "3", "9", "99", "-1", "²", "+447700900123"]
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


@settings(max_examples=int(os.environ.get("IVR_PROPERTY_EXAMPLES", 300)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), query=query, form=form, moment=moments)
def test_any_request_gets_twiml_that_dials_only_configured_numbers(phone, clock, route, query, form, moment):
    clock.set(moment)
    url = f"{route}?{urlencode(query)}" if query else route
    safety_net = REGISTRY.get_sample_value("ivr_safety_net_total")
    response = phone.post(url, form)
    assert response.status_code == 200, (url, form, response.data[:300])
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    assert {n.text for n in root.iter("Number")} <= {GATEWAY, OUT_OF_HOURS}
    # Whoever answers a transfer hears only the line's own whisper.
    assert all(n.get("url") is None or n.get("url").startswith("/voice/screen?") for n in root.iter("Number"))
    # Something happens next: a menu listening, a transfer or a hang-up. No dead air. (The team's
    # leg is the exception: an empty answer to its key is how Twilio joins the caller.)
    assert {child.tag for child in root} & {"Gather", "Dial", "Hangup"} or route == "/voice/screen/answer"
    # ... and it came from the engine, not from the safety net catching a crash.
    assert REGISTRY.get_sample_value("ivr_safety_net_total") == safety_net, (url, form)
