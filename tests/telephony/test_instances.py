"""Several instances, one call: whichever instance answers a request, what another learnt about the
call holds (a screening accepted, a text sent), and a request sent twice does no more than once."""
import pytest

from ..conftest import TOKEN
from ..phone import ABSENT, Phone
from ..twilio_api import RecordingHttpClient
from ..phone import TEAM_LEG, press_on_team_leg, team

ACCOUNT = "AC" + "0" * 32
MOBILE = "+447700900123"
SHARED_SECRET = "s" * 32


@pytest.fixture
def instances(make_app, tmp_path):
    """Two instances of the line sharing a database and IVR_USAGE_SECRET, as a council scales out
    (a SQLite file here; tests/test_production_instances.py runs two servers on PostgreSQL)."""
    api = RecordingHttpClient()
    shared = {"IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "IVR_USAGE_SECRET": SHARED_SECRET,
              "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_HTTP_CLIENT": api}
    one, two = (Phone(make_app(**shared).test_client(), TOKEN) for _ in range(2))
    two.call = one.call   # the same call
    return one, two, api


def texts(api) -> list[str]:
    return [r["data"]["Body"] for r in api.requests if r["url"].endswith("/Messages.json")]


def test_a_screening_accepted_on_one_instance_counts_on_the_other(instances):
    one, two, _ = instances
    transfer = one.english().press("0")
    press_on_team_leg(team(transfer), "1")                            # the whisper, on the first
    action = transfer.dial.get("action")
    after = two.reply(action, {"DialCallStatus": "completed", "DialCallSid": TEAM_LEG["CallSid"]})   # no DialBridged
    assert after.hangs_up and not after.said


def test_a_text_sent_by_one_instance_is_not_sent_again_by_the_other(instances):
    one, two, api = instances
    consent = one.english().press("4")
    send = consent.gather.get("action")
    assert one.reply(send, {"Digits": "1"}).said[0] == "The text is on its way."
    replayed = two.reply(send, {"Digits": "1"})          # the same request again, on the other instance
    assert replayed.said[0] == "The text has already been sent during this call."
    assert len(texts(api)) == 1


def test_a_replayed_request_to_send_the_text_sends_it_once(texting_app_phone):
    phone, api = texting_app_phone
    send = phone.english().press("4").gather.get("action")
    outcomes = [phone.reply(send, {"Digits": "1"}).said[0] for _ in range(20)]
    assert outcomes[0] == "The text is on its way."
    assert set(outcomes[1:]) == {"The text has already been sent during this call."}
    assert len(texts(api)) == 1


def test_a_text_that_could_not_be_sent_may_be_asked_for_again(make_app):
    from twilio.http.response import Response
    failing = RecordingHttpClient(reply=lambda request: Response(500, "{}"))
    phone = Phone(make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=failing).test_client(), TOKEN)
    send = phone.english().press("4").gather.get("action")
    assert phone.reply(send, {"Digits": "1"}).said[0].startswith("Sorry, the text could not be sent")
    assert phone.reply(send, {"Digits": "1"}).said[0].startswith("Sorry, the text could not be sent")
    assert len(texts(failing)) == 2   # tried again: not "already sent"


@pytest.fixture
def texting_app_phone(make_app):
    api = RecordingHttpClient()
    return Phone(make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=api).test_client(), TOKEN), api


def test_without_a_store_one_instance_still_remembers_what_it_learnt(make_app):
    phone = Phone(make_app(IVR_RECORD_USAGE=False).test_client(), TOKEN)
    transfer = phone.english().press("0")
    press_on_team_leg(team(transfer), "1")
    assert transfer.transfer_ends("completed", ABSENT, dialled_sid=TEAM_LEG["CallSid"]).hangs_up
    assert not transfer.transfer_ends("completed", ABSENT, dialled_sid="CA" + "beef" * 8).hangs_up


def test_a_sender_that_cannot_text_is_refused_by_twilio_and_the_caller_told(make_app):
    """The Messages API refuses a From that is not an SMS-capable number of the account (error
    21606): the caller hears the text could not be sent, and the call goes on."""
    from ..twilio_api import FakeAccount
    api = RecordingHttpClient(FakeAccount(numbers={"+447700900000": {"sms": False, "voice": True}}))
    phone = Phone(make_app(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_HTTP_CLIENT=api).test_client(), TOKEN)
    reply = phone.reply(phone.english().press("4").gather.get("action"), {"Digits": "1"})
    assert reply.said[0].startswith("Sorry, the text could not be sent")
    assert reply.said[1] == "To speak to someone, press 0."
    assert len(texts(api)) == 1 and api.reply.messages == []   # asked once, refused


def test_a_replayed_transfer_outcome_is_counted_once(make_app):
    """One captured "busy" report sent 50 times counts once (the red team's M2 added 50)."""
    from ..phone import metric
    client = make_app(IVR_DEVELOPMENT=True).test_client()
    phone = Phone(client, TOKEN)
    before = metric(client, "ivr_transfers_total", contact="gateway", outcome="busy")
    action = phone.english().press("0").dial.get("action")
    replies = [phone.reply(action, {"DialCallStatus": "busy", "DialBridged": "false", "DialCallSid": "CA" + "b" * 32})
               for _ in range(50)]
    assert len({reply.text for reply in replies}) == 1   # answered alike each time
    assert metric(client, "ivr_transfers_total", contact="gateway", outcome="busy") - before == 1
    # another leg of the call (the next attempt) is counted
    phone.reply(action, {"DialCallStatus": "busy", "DialBridged": "false", "DialCallSid": "CA" + "c" * 32})
    assert metric(client, "ivr_transfers_total", contact="gateway", outcome="busy") - before == 2
