"""Nothing identifying is logged."""
import io
import json
import logging

from ivr.logs import JsonFormatter
from ivr.privacy import mask_sid, redact

from ..phone import CALLER


def test_logs_of_a_whole_call_hold_no_caller_number_and_no_full_callsid(phone, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        with caplog.at_level(logging.DEBUG):   # every step of the call is logged at DEBUG
            phone.english().press("9").silence().press("3").press("4").press("*").press("#").press("0") \
                .transfer_ends("no-answer").press("1").transfer_ends("completed")
    finally:
        logging.getLogger().removeHandler(handler)
    written = stream.getvalue()
    assert "/voice/transfer/done" in written          # the call was logged...
    lines = [json.loads(line) for line in written.splitlines()]
    assert all(set(line) >= {"time", "level", "logger", "process", "request", "message"} for line in lines)
    assert len({line["request"] for line in lines}) > 5   # one id per request
    assert CALLER not in written and CALLER[1:] not in written and "7700900123" not in written
    assert phone.call["CallSid"] not in written      # ...with the CallSid shortened
    assert "CA1234…" in written and mask_sid(phone.call["CallSid"]) == "CA1234…"   # six characters, no more


def test_numbers_in_any_log_message_are_redacted():
    assert redact("caller +447700900123 and 07700 900123, sid CA" + "ab12" * 8) == \
        "caller [number] and [number], sid CAab12…"
    assert redact("at 2026-11-25 09:00:00 status=busy") == "at 2026-11-25 09:00:00 status=busy"
    assert redact("From=%2B447700900123&To=447700900999") == "From=[number]&To=[number]"
    assert redact("Listening at: http://0.0.0.0:5092 (14676)") == "Listening at: http://0.0.0.0:5092 (14676)"


def test_the_redactor_catches_every_form_a_number_takes():
    for written in ("From=%2b447700900321&To=x", "07700-900-321", "07700.900.321", "(028) 9504 9999",
                    "07700 900321", "+44 (0)7700 900321", "tel:+447700900321"):
        assert "[number]" in redact(written) and "900321" not in redact(written) and "9504" not in redact(written), written
    for kept in ("took 0.004512 s", "10.0.0.1:8000", "version 1.2.3.4.5.6.7", "pid 12345", "2026-07-14 10:00"):
        assert redact(kept) == kept
