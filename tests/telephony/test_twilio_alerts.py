"""See what Twilio sees: its Debugger webhook counted by error code, on /metrics and the console,
with nothing about a caller kept."""
import json
import logging

from ..conftest import TOKEN
from ..phone import Phone

# A Debugger event as Twilio posts it (https://www.twilio.com/docs/usage/troubleshooting/
# debugging-event-webhooks): its Payload holds the request Twilio made, a caller's number included.
PAYLOAD = {"resource_sid": "CA" + "9" * 32, "service_sid": None, "error_code": "11200",
           "more_info": {"msg": "An attempt to retrieve content from https://line.example.org/voice returned "
                                "the HTTP status code 502", "ErrorCode": "11200", "LogLevel": "ERROR"},
           "webhook": {"type": "application/json", "request": {"method": "POST", "url": "https://line.example.org/voice",
                                                               "parameters": {"From": "+447700900123"}}}}


def alert(sid="NO" + "1" * 32, payload=PAYLOAD, level="Error"):
    return {"Sid": sid, "AccountSid": "AC" + "0" * 32, "Timestamp": "2026-07-14T09:28:54Z", "Level": level,
            "PayloadType": "application/json", "Payload": json.dumps(payload) if isinstance(payload, dict) else payload}


def count(client, code, level="error"):
    for line in client.get("/metrics").data.decode().splitlines():
        if line.startswith(f'ivr_twilio_alerts_total{{code="{code}",level="{level}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_an_unsigned_alert_is_refused_and_not_counted(make_app):
    client = make_app(IVR_DEVELOPMENT=True).test_client()
    phone = Phone(client, TOKEN)
    before = count(client, "11200")
    assert phone.post("/twilio/alerts", alert(), signature="forged").status_code == 403
    assert count(client, "11200") == before


def test_alerts_are_counted_by_code_once_each_and_shown_on_the_console(make_app, caplog):
    client = make_app(IVR_DEVELOPMENT=True).test_client()
    phone = Phone(client, TOKEN)
    before = count(client, "11200")
    with caplog.at_level(logging.INFO):
        for _ in range(2):   # Twilio retried: the same Sid
            assert phone.post("/twilio/alerts", alert()).status_code == 204
        assert phone.post("/twilio/alerts", alert("NO" + "2" * 32, level="ERROR")).status_code == 204
    assert count(client, "11200") - before == 2
    assert "Twilio reported error 11200 on CA9999…" in caplog.text
    assert "7700900123" not in caplog.text and "9" * 32 not in caplog.text
    page = client.get("/console/").data.decode()
    assert 'href="https://www.twilio.com/docs/errors/11200">11200</a>' in page
    assert "7700900123" not in client.get("/metrics").data.decode()


def test_an_alert_twilio_would_never_send_is_counted_without_new_labels(make_app):
    client = make_app(IVR_DEVELOPMENT=True).test_client()
    phone = Phone(client, TOKEN)
    before = count(client, "unknown", "other")
    odd = {**PAYLOAD, "error_code": "<script>+447700900123"}
    assert phone.post("/twilio/alerts", alert("NO" + "3" * 32, odd, level="Panic")).status_code == 204
    assert phone.post("/twilio/alerts", alert("NO" + "4" * 32, "{not json", level="")).status_code == 204
    assert count(client, "unknown", "other") - before == 2
    assert "<script>" not in client.get("/metrics").data.decode()
