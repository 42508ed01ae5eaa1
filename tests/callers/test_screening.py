"""Always a person, never a voicemail: screened transfers with a whisper, numbers tried in turn,
and what the team and the figures see. Both legs are driven with signed requests, as Twilio would."""
import logging
import re
import secrets

import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS, TOKEN, line_settings
from ..phone import ABSENT, TEAM_LEG, WITHHELD, Phone, metric, press_on_team_leg, team

LANGUAGE_NAMES = {"en-GB": "English", "pl": "Polish", "lt": "Lithuanian", "ga": "Irish", "ar": "Arabic",
                  "ro": "Romanian", "bg": "Bulgarian", "pt-PT": "Portuguese", "sk": "Slovak"}
SECOND = "+442825635512"   # a second number, for these tests only


def dial_ends(reply, status, bridged, dialled=None):
    """Twilio reports the end of a transfer; ``dialled`` its leg's CallSid (each dial has its own)."""
    form = {"DialCallStatus": status, "DialBridged": bridged, "DialCallSid": dialled or "CA" + secrets.token_hex(16)}
    return reply.phone.reply(reply.dial.get("action"), form)


def two_numbers(screen=True):
    settings = line_settings()
    gateway = settings["contacts"]["gateway"]
    gateway.pop("number", None)
    gateway["numbers"] = [{"number": GATEWAY, "ring_seconds": 25}, {"number": SECOND, "ring_seconds": 15}]
    gateway["screen"] = screen
    return settings


# -- the caller's side -----------------------------------------------------------

def test_a_transfer_rings_the_caller_until_a_person_accepts(phone):
    transfer = phone.english().press("0")
    dial = transfer.dial
    # A British ring, through the whisper too; 30 s of ringing as line.yaml says, which Twilio makes
    # of timeout="25" ("Twilio always adds a five-second timeout buffer to your <Dial>").
    assert dial.get("answerOnBridge") == "true" and dial.get("ringTone") == "uk" and dial.get("timeout") == "25"
    assert transfer.dialled == [GATEWAY]
    number = dial.find("Number")
    assert number.get("url").startswith("/voice/screen?") and "lang=en-GB" in number.get("url")


def test_the_team_leg_is_told_the_callers_language_and_nothing_else(phone):
    # The team's leg needs only the language its whisper names: its addresses (in Twilio's logs of
    # that leg) carry nothing more, so there is nothing a forged one could change.
    transfer = phone.ring().press("2").press("0")   # Polish (key 2 at the language menu), then 0
    whisper = team(transfer)
    assert transfer.dial.find("Number").get("url") == "/voice/screen?lang=pl"
    assert whisper.gather.get("action") == "/voice/screen/answer"
    assert "Polish" in whisper.said[0]


def test_the_team_hears_the_whisper_at_its_normal_pace_whatever_the_caller_chose(phone):
    transfer = phone.english().press("9").press("0")   # 9: slower speech, for the caller
    assert transfer.root.find(".//prosody") is not None
    whisper = team(transfer)
    assert whisper.root.find(".//prosody") is None
    assert press_on_team_leg(whisper, "5").root.find(".//prosody") is None   # "not taken", to a wrong key


def test_the_team_accepts_the_caller_is_joined_and_the_call_ends_after(phone):
    transfer = phone.english().press("0")
    whisper = team(transfer)
    accepted = press_on_team_leg(whisper, "1")
    assert list(accepted.root) == []          # an empty answer: Twilio joins the two legs
    after = dial_ends(transfer, "completed", "true")
    assert after.hangs_up and not after.said


def test_a_voicemail_that_presses_nothing_never_takes_the_caller(phone):
    transfer = phone.english().press("0")
    whisper = team(transfer)
    gather = whisper.gather
    assert gather.get("numDigits") == "1" and gather.get("timeout") == "10"
    # no key: what follows the <Gather> is played to the voicemail, and its leg ends
    after_gather = list(whisper.root)[1:]
    assert [el.tag for el in after_gather] == ["Say", "Hangup"]
    caller = dial_ends(transfer, "completed", "false")
    assert caller.said[0] == "Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333."
    assert "If a child is in immediate danger, hang up and call 999." in caller.said
    assert "To try again, press 1." in caller.said and caller.listens
    assert caller.press("1").dialled == [GATEWAY]


@pytest.mark.parametrize("key", ["2", "9", "*", "#", "0", ""])
def test_a_wrong_key_on_the_team_leg_ends_that_leg(phone, key):
    whisper = team(phone.english().press("0"))
    reply = press_on_team_leg(whisper, key)
    assert reply.hangs_up and reply.said == ["The call was not connected. Goodbye."]


@pytest.mark.parametrize("code", list(LANGUAGE_NAMES))
def test_the_whisper_names_the_line_and_the_callers_language_in_english(phone, code):
    caller = phone.ring().press(str(list(LANGUAGE_NAMES).index(code) + 1))
    whisper = team(caller.press("0"))
    assert whisper.said == [f"This is a call from the child sexual exploitation information line. "
                            f"The caller chose {LANGUAGE_NAMES[code]}. To take the call, press 1.",
                            "The call was not connected. Goodbye."]   # after the <Gather>: no key came
    assert {say.get("language") for say in whisper.says} == {"en-GB"}


def test_busy_on_the_first_number_then_answered_on_the_second(phone_for):
    phone = phone_for(two_numbers())
    transfer = phone.english().press("0")
    assert transfer.dialled == [GATEWAY] and transfer.dial.get("timeout") == "20"   # rings 25 s
    second = dial_ends(transfer, "busy", "false")
    assert second.dialled == [SECOND] and second.dial.get("timeout") == "10"       # rings 15 s
    assert not second.said            # the caller just keeps hearing it ring
    assert "try=1" in second.dial.get("action")
    whisper = team(second, SECOND)
    assert press_on_team_leg(whisper, "1", SECOND).root.find("Hangup") is None
    assert dial_ends(second, "completed", "true").hangs_up


def test_a_voicemail_on_the_first_number_moves_on_to_the_second(make_app):
    phone = Phone(make_app(two_numbers(), IVR_DEVELOPMENT=True).test_client(), TOKEN)   # (/metrics from here)
    declined = metric(phone.client, "ivr_transfers_total", contact="gateway", outcome="declined")
    transfer = phone.english().press("0")
    assert dial_ends(transfer, "completed", "false").dialled == [SECOND]
    assert metric(phone.client, "ivr_transfers_total", contact="gateway", outcome="declined") == declined + 1, \
        "the first number's outcome is counted while the second rings"


def test_a_withheld_callers_second_number_also_shows_the_line(phone_for):
    phone = phone_for(two_numbers())
    phone.call["From"] = WITHHELD
    second = dial_ends(phone.english().press("0"), "busy", "false")
    assert second.dialled == [SECOND] and second.dial.get("callerId") == phone.call["To"]


def test_when_every_number_is_unanswered_the_caller_hears_so_and_what_next(phone_for):
    transfer = phone_for(two_numbers()).english().press("0")
    second = dial_ends(transfer, "no-answer", "false")
    caller = dial_ends(second, "busy", "false")
    assert caller.said[0] == "Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333."
    assert "If a child is in immediate danger, hang up and call 999." in caller.said
    assert "If it is urgent, call the police on 101." in caller.said
    again = caller.press("1")
    assert again.dialled == [GATEWAY] and "try=" not in again.dial.get("action")   # from the first number


def test_at_debug_level_the_log_says_how_each_number_of_a_transfer_ended_naming_no_number(phone_for, caplog):
    transfer = phone_for(two_numbers()).english().press("0")
    with caplog.at_level(logging.DEBUG, logger="ivr.callflow.transfers"):
        dial_ends(dial_ends(transfer, "no-answer", "false"), "completed", "false")
    said = [record.getMessage() for record in caplog.records if record.name == "ivr.callflow.transfers"]
    assert said == ["transfer to gateway, number 1: no-answer", "transfer to gateway, number 2: declined"]
    assert GATEWAY not in caplog.text and SECOND not in caplog.text


def test_a_contact_with_screening_off_is_put_straight_through(phone_for):
    transfer = phone_for(two_numbers(screen=False)).english().press("0")
    assert transfer.root.find("Dial/Number").get("url") is None
    assert dial_ends(transfer, "completed", "").hangs_up     # whoever picked up took the call


def test_a_screened_answer_without_the_bridge_is_never_counted_as_answered(phone):
    transfer = phone.english().press("0")
    for bridged in ("false", "", "TRUE ", "yes"):
        assert not dial_ends(transfer, "completed", bridged).hangs_up


def test_without_dial_bridged_an_accepted_transfer_counts_as_answered(phone):
    """Twilio may leave DialBridged out of the <Dial> action: the line then asks whether the leg
    Twilio names (DialCallSid) had its person press 1."""
    transfer = phone.english().press("0")
    press_on_team_leg(team(transfer), "1")
    after = transfer.transfer_ends("completed", ABSENT, dialled_sid=TEAM_LEG["CallSid"])
    assert after.hangs_up and not after.said


def test_without_dial_bridged_a_voicemail_is_still_never_counted_as_answered(phone):
    transfer = phone.english().press("0")
    team(transfer)   # a voicemail hears the whisper and presses nothing
    after = transfer.transfer_ends("completed", ABSENT, dialled_sid=TEAM_LEG["CallSid"])
    assert after.said[0] == "Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333."
    # and a leg accepted on another transfer of the call does not count for this one
    press_on_team_leg(team(transfer), "1")
    other = transfer.transfer_ends("completed", ABSENT, dialled_sid="CA" + "beef" * 8)
    assert not other.hangs_up


def test_the_team_leg_must_be_signed_like_every_webhook(phone):
    url = phone.english().press("0").root.find("Dial/Number").get("url")
    unsigned = phone.post(url, {**TEAM_LEG, "To": GATEWAY}, signature="not-a-signature")
    assert unsigned.status_code == 403
    signed_for_another_url = phone.post(url + "&x=1", {**TEAM_LEG, "To": GATEWAY},
                                        signature=phone.validator.compute_signature(
                                            "https://line.example.org" + url, {**phone.call, **TEAM_LEG}))
    assert signed_for_another_url.status_code == 403


@pytest.mark.parametrize("query", ["contact=attacker&lang=pl", "lang=xx", "contact=%2B447700900999", ""])
def test_a_forged_whisper_url_still_only_whispers(phone, query):
    whisper = phone.reply(f"/voice/screen?{query}", {**TEAM_LEG, "To": GATEWAY})
    assert whisper.dialled == [] and whisper.gather is not None
    assert whisper.said[0].startswith("This is a call from the child sexual exploitation information line.")


@pytest.mark.parametrize("forged", ["try=1", "try=9", "try=-1", "try=%C2%B2", "contact=attacker&try=1"])
def test_a_forged_attempt_never_dials_a_number_not_in_line_yaml(phone, forged):
    reply = phone.reply(f"/voice/transfer/done?node=transfer_failed&lang=en-GB&contact=gateway&{forged}",
                        {"DialCallStatus": "busy", "DialBridged": "false"})
    assert reply.dialled == [] or set(reply.dialled) <= {GATEWAY, OUT_OF_HOURS}
    for key in "120":
        pressed = reply.press(key) if reply.listens else reply
        assert set(pressed.dialled) <= {GATEWAY, OUT_OF_HOURS}


# -- what the council sees ---------------------------------------------------------


def test_metrics_count_transfers_by_contact_and_outcome_and_hold_no_caller_data(make_app):
    app = make_app(IVR_DEVELOPMENT=True)
    client = app.test_client()
    phone = Phone(client, TOKEN)
    before = {outcome: metric(client, "ivr_transfers_total", contact="gateway", outcome=outcome)
              for outcome in ("answered", "declined", "busy", "no-answer", "failed")}
    calls_before = metric(client, "ivr_calls_total")
    refused_before = metric(client, "ivr_signatures_refused_total")
    # a scripted set of calls: answered, voicemail, busy, no answer, failed twice
    for n, (status, bridged) in enumerate([("completed", "true"), ("completed", "false"), ("busy", "false"),
                                           ("no-answer", "false"), ("failed", "false"), ("canceled", "false")]):
        dial_ends(phone.english().press("0"), status, bridged, dialled=f"CA{n:032x}")   # each its own leg
    phone.post("/voice", signature="forged")
    after = {outcome: metric(client, "ivr_transfers_total", contact="gateway", outcome=outcome)
             for outcome in before}
    assert {k: after[k] - before[k] for k in after} == {"answered": 1, "declined": 1, "busy": 1,
                                                        "no-answer": 1, "failed": 2}
    assert metric(client, "ivr_calls_total") - calls_before == 6
    assert metric(client, "ivr_signatures_refused_total") - refused_before == 1
    text = client.get("/metrics").data.decode()
    assert 'ivr_request_seconds_count{webhook="transfer_done"}' in text
    for secret in ("7700900123", "447700900123", "CA1234abcd", "1234abcd", "2890000000"):
        assert secret not in text


def test_a_forged_dial_status_is_counted_as_failed_never_stored_as_it_came(make_app):
    app = make_app(IVR_DEVELOPMENT=True)
    client = app.test_client()
    phone = Phone(client, TOKEN)
    dial_ends(phone.english().press("0"), "+447700900999", "false")
    assert "7700900999" not in client.get("/metrics").data.decode()


def test_the_metrics_are_refused_in_production_without_the_consoles_password(make_app):
    assert make_app().test_client().get("/metrics").status_code == 404
    protected = make_app(IVR_CONSOLE_PASSWORD="correct horse").test_client()
    https = {"base_url": "https://line.example.org"}
    assert protected.get("/metrics", **https).status_code == 401
    assert protected.get("/metrics", auth=("council", "wrong"), **https).status_code == 401
    assert protected.get("/metrics", auth=("council", "correct horse")).status_code == 403   # not over HTTPS
    assert protected.get("/metrics", auth=("council", "correct horse"), **https).status_code == 200


# -- without a phone ------------------------------------------------------------------

def test_the_terminal_call_plays_the_whisper_and_a_voicemail_that_never_takes_the_caller(command):
    result = command("call", "--at", "2026-07-14 10:00", "--keys", "10", "--dial", "voicemail")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert ("  [to the team, en-GB] This is a call from the child sexual exploitation information line. "
            "The caller chose English. To take the call, press 1.") in lines
    assert any("the team's voicemail answers, presses nothing" in line for line in lines)
    assert "  [en-GB] Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333." in lines


def test_the_terminal_call_rings_numbers_in_turn(command, tmp_path):
    from ..conftest import make_root
    root = make_root(tmp_path / "line", two_numbers())
    from click.testing import CliRunner
    from flask.cli import FlaskGroup
    result = CliRunner().invoke(FlaskGroup(), ["call", "--at", "2026-07-14 10:00", "--keys", "10",
                                               "--dial", "busy,accepts"],
                                env={"IVR_ROOT": str(root), "IVR_CONFIG": str(root / "line.yaml")})
    assert result.exit_code == 0, result.output
    assert f"  ~ putting the caller through to {GATEWAY}" in result.output
    assert f"  ~ putting the caller through to {SECOND}" in result.output
    assert "the team presses 1 and the caller is put through" in result.output


def test_a_dial_outcome_the_simulation_does_not_know_is_refused(command):
    result = command("call", "--dial", "completed,whatever")
    assert result.exit_code == 2 and "'completed' is not one of" in result.output


def test_the_console_shows_todays_answered_share_per_contact(make_app):
    from ..conftest import empty_store
    app = make_app(IVR_DEVELOPMENT=True)
    empty_store(app)
    phone = Phone(app.test_client(), TOKEN)
    dial_ends(phone.english().press("0"), "completed", "true")
    dial_ends(phone.english().press("0"), "completed", "false")
    dial_ends(phone.english().press("0"), "busy", "false")
    app.extensions["ivr.usage"].flush()
    page = app.test_client().get("/console/").data.decode()
    table = page[page.index('data-testid="answered-today"'):]
    table = table[:table.index("</table>")]
    row = re.search(r"Gateway Team, Northern Health and Social Care Trust</th><td>(\d+)</td><td>(\d+)</td>\s*<td>([^<]+)</td>",
                    table)
    assert row and row.groups() == ("1", "3", "33%")
