"""Where Twilio's requests reach the line: the path of each webhook, named once. ivr/web.py and
ivr/replies.py route them; the call engine writes them into its TwiML (the <Gather>'s action and
the <Redirect> after it, the <Dial>'s action, the team's leg); the tools that set a number up, check
it before going live, walk the line or simulate a call use them. A Twilio number is pointed at
these paths (``ivr twilio-number``): changing one breaks every number set up before (the tests
post to them as written, to hold them to that).
"""
from urllib.parse import urlsplit

CALL = "/voice"                          # a number's voice URL: a call comes in
KEY = "/voice/key"                       # the <Gather>'s action: what the caller pressed or said
SILENCE = "/voice/silence"               # the <Redirect> after a <Gather> that heard nothing
TRANSFER_DONE = "/voice/transfer/done"   # the <Dial>'s action: how a transfer ended
SCREEN = "/voice/screen"                 # the <Number>'s url: the team's leg of a transfer (the whisper)
SCREEN_ANSWER = "/voice/screen/answer"   # the team's key on that leg
STATUS = "/voice/status"                 # a number's status callback: the call has ended
FALLBACK = "/voice/fallback"             # a number's fallback URL (the same TwiML as `ivr fallback-twiml`)
TEXT_REPLY = "/sms/reply"                # a number's messaging URL: a reply to the line's text


def reaches_line(voice_url: str | None) -> bool:
    """Whether a number's voice URL is a line's: its path ends in CALL, whatever its host."""
    return urlsplit(voice_url or "").path.rstrip("/").endswith(CALL)
