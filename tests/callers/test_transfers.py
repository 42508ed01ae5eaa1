"""What happens after a transfer: answered, or not, and the way on from there."""
import pytest

from ..conftest import GATEWAY, OUT_OF_HOURS, with_hours

FAILED = ["busy", "no-answer", "failed", "canceled"]


@pytest.mark.parametrize("status", ["completed", "answered"])
def test_an_answered_transfer_ends_the_call_when_it_is_over(phone, status):
    reply = phone.english().press("0").transfer_ends(status)
    assert reply.hangs_up and not reply.said and not reply.dialled


SORRY_GATEWAY = "Sorry, the Gateway Team could not take your call. Its number is 0300 1234 333."
SORRY_RESWS = "Sorry, the Regional Emergency Social Work Service could not take your call."
NSPCC_ADVICE = "For advice, you can also call the NSPCC helpline, on 0808 800 5000."
POLICE = "If it is urgent, call the police on 101."
DANGER = "If a child is in immediate danger, hang up and call 999."
TRY_AGAIN = "To try again, press 1."
URGENT_OPTION = "If it is urgent, for the emergency social work service instead, press 2."


@pytest.mark.parametrize("status", FAILED + ["", "something-new"])
def test_an_unanswered_transfer_is_explained_with_the_police_999_and_a_way_on(phone, status):
    reply = phone.english().press("0").transfer_ends(status)   # Tuesday 10:00
    assert reply.said[0] == SORRY_GATEWAY
    assert reply.said[-3:] == [POLICE, DANGER, TRY_AGAIN]
    assert reply.listens


# SBNI procedures, "Referrals": in office hours, urgent concerns go to the police; the Regional
# Emergency Social Work Service works "only ... urgently, after hours" (line.yaml, its hours).
@pytest.mark.parametrize("status", FAILED)
def test_in_office_hours_urgent_means_the_police_never_the_out_of_hours_service(phone, status):
    reply = phone.english().press("0").transfer_ends(status)
    assert POLICE in reply.said and URGENT_OPTION not in reply.said
    assert reply.press("2").said[0] == "Sorry, that is not one of the choices."
    assert not reply.press("2").dialled


# The NSPCC helpline's phones: Monday to Friday 8am to 10pm, weekends 9am to 6pm (line.yaml,
# contacts.nspcc.hours, with its source); closed on bank holidays, which it does not publish.
@pytest.mark.parametrize("moment, contact, nspcc_open", [
    ("2026-07-14 10:00", SORRY_GATEWAY, True),     # a Tuesday in office hours
    ("2026-07-14 08:30", SORRY_RESWS, True),       # before the office opens: the helpline has
    ("2026-07-14 21:59", SORRY_RESWS, True),
    ("2026-07-14 22:00", SORRY_RESWS, False),      # its phones close at 10pm
    ("2026-07-15 03:00", SORRY_RESWS, False),      # night
    ("2026-07-18 14:00", SORRY_RESWS, True),       # Saturday afternoon
    ("2026-07-18 19:30", SORRY_RESWS, False),      # Saturday evening: closed from 6pm
    ("2026-07-13 12:00", SORRY_RESWS, False),      # a bank holiday (the Battle of the Boyne's substitute day)
])
def test_the_nspcc_helpline_is_offered_after_a_failed_transfer_only_while_its_phones_are_open(
        phone, clock, moment, contact, nspcc_open):
    clock.set(moment)
    reply = phone.english().press("0").transfer_ends("busy")
    assert reply.said == [contact] + ([NSPCC_ADVICE] if nspcc_open else []) + [POLICE, DANGER, TRY_AGAIN]


def test_a_line_whose_out_of_hours_service_takes_calls_in_the_day_offers_it_as_urgent(phone_for):
    # A council whose agreement with its out-of-hours service covers the day (no hours of its own).
    phone = phone_for(with_hours(emergency=None))
    reply = phone.english().press("0").transfer_ends("busy")
    assert reply.said[-2:] == [TRY_AGAIN, URGENT_OPTION]
    assert reply.press("2").dialled == [OUT_OF_HOURS]
    # and when that service could not take the call either, it is not offered again
    again = reply.press("2").transfer_ends("busy")
    assert again.said[0] == SORRY_RESWS and URGENT_OPTION not in again.said
    assert again.press("1").dialled == [GATEWAY], "trying again rings whoever answers now"


def test_try_again_dials_whoever_answers_now(phone, clock):
    failed = phone.english().press("0").transfer_ends("no-answer")
    assert failed.press("1").dialled == [GATEWAY]
    clock.set("2026-07-14 17:00")   # closed while the caller was deciding
    assert failed.press("1").dialled == [OUT_OF_HOURS]


def test_after_a_failed_transfer_star_repeats_hash_goes_to_the_main_menu_and_0_tries_again(phone):
    failed = phone.english().press("3").press("0").transfer_ends("busy")
    assert failed.press("*").said == failed.said
    assert failed.press("#").hears("Warning signs: press 2.")
    assert failed.press("0").dialled == [GATEWAY]


def test_silence_after_a_failed_transfer_is_counted_like_any_menu(phone):
    failed = phone.english().press("0").transfer_ends("busy")
    reply = failed.silence().silence()
    assert reply.said[0] == "Sorry, I did not hear a choice."
    assert reply.silence().dialled == [GATEWAY]


@pytest.mark.parametrize("forged", ["contact=%2B447700900999", "contact=attacker", "contact=", "node=main"])
def test_a_forged_transfer_url_never_dials_anything_not_in_line_yaml(phone, forged):
    reply = phone.reply(f"/voice/transfer/done?node=transfer_failed&lang=en-GB&{forged}",
                        {"DialCallStatus": "busy", "Digits": "1"})
    assert reply.listens and not reply.dialled     # the menu after a failed transfer, nothing dialled
    for key in "10":   # (2, "urgent", is no choice in office hours)
        dialled = reply.press(key).dialled
        assert dialled and set(dialled) <= {GATEWAY, OUT_OF_HOURS}, key   # a transfer, to line.yaml only
