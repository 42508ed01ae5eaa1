"""Nothing identifying is logged; the terminal call walks the real webhooks."""
import io
import json
import logging

from ivr.logs import JsonFormatter
from ivr.privacy import mask_sid, redact

from .conftest import GATEWAY
from .phone import CALLER


def test_logs_of_a_whole_call_hold_no_caller_number_and_no_full_callsid(phone, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            phone.english().press("9").silence().press("3").press("4").press("*").press("#").press("0") \
                .transfer_ends("no-answer").press("1").transfer_ends("completed")
    finally:
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue()
    assert "/voice/transfer/done" in written          # the call was logged...
    lines = [json.loads(line) for line in written.splitlines()]
    assert all(set(line) >= {"time", "level", "logger", "request", "message"} for line in lines)
    assert len({line["request"] for line in lines}) > 5   # one id per request
    assert CALLER not in written and CALLER[1:] not in written and "7700900123" not in written
    assert phone.call["CallSid"] not in written      # ...with the CallSid shortened
    assert mask_sid(phone.call["CallSid"]) in written


def test_numbers_in_any_log_message_are_redacted():
    assert redact("caller +447700900123 and 07700 900123, sid CA" + "ab12" * 8) == \
        "caller [number] and [number], sid CAab12…"
    assert redact("at 2026-11-25 09:00:00 status=busy") == "at 2026-11-25 09:00:00 status=busy"


def test_the_call_command_walks_a_scripted_call_and_prints_the_transcript(command):
    result = command("call", "--at", "2026-07-14 10:00", "--keys", "12#0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  [en-GB] If a child is in immediate danger, hang up and call 999." in lines
    assert "> pressed 2" in lines
    assert any(line.startswith("  [en-GB] Here are the warning signs") for line in lines)
    assert f"  ~ putting the caller through to {GATEWAY}" in lines


def test_the_call_command_shows_routing_on_a_bank_holiday_and_a_failed_transfer(command):
    result = command("call", "--at", "2026-07-13 10:00", "--keys", "10", "--dial", "no-answer")
    assert result.exit_code == 0, result.output
    assert "  ~ putting the caller through to +442895049999" in result.output
    assert "  ~ the transfer: no-answer" in result.output
    assert "Sorry, the Regional Emergency Social Work Service could not take your call just now." in result.output


def test_the_call_command_plays_silence_as_twilio_would(command):
    result = command("call", "--keys", "____")   # the first silence chooses English
    assert result.output.count("> (silence)") == 4
    assert "I will put you through to someone who can help." in result.output


def test_the_call_command_rejects_a_time_it_cannot_read(command):
    result = command("call", "--at", "next tuesday")
    assert result.exit_code == 2
    assert "is not a time like" in result.output


def test_the_call_command_asks_for_keys_when_run_by_hand(command):
    result = command("call", "--at", "2026-07-14 10:00", input="1\n1\nq\n")
    assert "At each menu type a key" in result.output
    assert "Child sexual exploitation is a form of sexual abuse" in result.output
    assert "the caller hangs up" in result.output
