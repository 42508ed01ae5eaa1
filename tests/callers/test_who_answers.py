"""Who "speak to someone" reaches: office hours, weekends, daylight saving, bank holidays, closures."""
import datetime as dt
import json
import subprocess
import sys
import time

import pytest

from ivr import utc_now
from ivr.config_reader import parse

from ..conftest import GATEWAY, OUT_OF_HOURS, ROOT, hours_with, line_settings, local, status_page, with_hours

UTC = dt.timezone.utc


def dialled_at(phone, clock, moment):
    clock.set(moment)
    return phone.english().press("0").dialled[0]


@pytest.mark.parametrize("moment, expected", [
    ("2026-07-14 08:59:59", OUT_OF_HOURS),
    ("2026-07-14 09:00:00", GATEWAY),
    ("2026-07-14 16:59:59", GATEWAY),
    ("2026-07-14 17:00:00", OUT_OF_HOURS),
    ("2026-07-17 16:59:59", GATEWAY),       # Friday
    ("2026-07-18 10:00:00", OUT_OF_HOURS),  # Saturday
    ("2026-07-19 10:00:00", OUT_OF_HOURS),  # Sunday
    ("2026-07-20 09:00:00", GATEWAY),       # Monday
])
def test_office_hours_are_monday_to_friday_from_9_until_just_before_5(phone, clock, moment, expected):
    assert dialled_at(phone, clock, moment) == expected


@pytest.mark.parametrize("moment, out_of_hours", [
    ("2026-07-14 10:00:00", False), ("2026-07-14 23:30:00", True),   # a Tuesday
    ("2026-07-18 10:00:00", True), ("2026-12-25 11:00:00", True),    # a Saturday; Christmas Day
])
def test_out_of_hours_the_first_menu_says_0_is_for_urgent_concerns_only(phone, clock, moment, out_of_hours):
    """0 then reaches the emergency-only service (the safeguarding review's M2), and the caller is
    told so right after the way to a person and 999, in their language; not in office hours."""
    from ..words import translation
    clock.set(moment)
    english, polish = phone.english(), phone.ring().press("2")
    assert (english.said[2] == "At this hour, 0 is for urgent concerns only.") is out_of_hours
    urgent = translation("pl", "welcome.answers.emergency_social_work").replace("{key_speak_to_someone}", "0")
    assert (urgent in polish.said[:3]) is out_of_hours
    assert english.press("0").dialled[0] == (OUT_OF_HOURS if out_of_hours else GATEWAY)


@pytest.mark.parametrize("utc_moment, expected", [
    # Clocks go forward on Sunday 29 March 2026: 09:00 in Belfast is 08:00 UTC that week.
    (dt.datetime(2026, 3, 27, 8, 59, 59, tzinfo=UTC), OUT_OF_HOURS),  # Friday before: GMT, 08:59 local
    (dt.datetime(2026, 3, 27, 9, 0, tzinfo=UTC), GATEWAY),
    (dt.datetime(2026, 3, 30, 7, 59, 59, tzinfo=UTC), OUT_OF_HOURS),  # Monday after: BST, 08:59 local
    (dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC), GATEWAY),            # 09:00 local
    (dt.datetime(2026, 3, 30, 15, 59, 59, tzinfo=UTC), GATEWAY),      # 16:59:59 local
    (dt.datetime(2026, 3, 30, 16, 0, tzinfo=UTC), OUT_OF_HOURS),      # 17:00 local
    # Clocks go back on Sunday 25 October 2026.
    (dt.datetime(2026, 10, 23, 8, 0, tzinfo=UTC), GATEWAY),           # Friday before: BST, 09:00 local
    (dt.datetime(2026, 10, 23, 15, 59, 59, tzinfo=UTC), GATEWAY),
    (dt.datetime(2026, 10, 23, 16, 0, tzinfo=UTC), OUT_OF_HOURS),
    (dt.datetime(2026, 10, 26, 8, 59, 59, tzinfo=UTC), OUT_OF_HOURS), # Monday after: GMT, 08:59 local
    (dt.datetime(2026, 10, 26, 9, 0, tzinfo=UTC), GATEWAY),
    (dt.datetime(2026, 10, 26, 16, 59, 59, tzinfo=UTC), GATEWAY),
    (dt.datetime(2026, 10, 26, 17, 0, tzinfo=UTC), OUT_OF_HOURS),
])
def test_daylight_saving_weeks_keep_local_office_hours(phone, clock, utc_moment, expected):
    assert dialled_at(phone, clock, utc_moment) == expected


NI_BANK_HOLIDAYS_2026 = [   # weekdays only: a weekend is closed anyway
    "2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
    "2026-07-13",  # Battle of the Boyne falls on a Sunday: substitute day
    "2026-08-31", "2026-12-25",
    "2026-12-28",  # Boxing Day falls on a Saturday: substitute day
]


@pytest.mark.parametrize("day", NI_BANK_HOLIDAYS_2026)
def test_northern_ireland_bank_holidays_go_to_the_out_of_hours_service(phone, clock, day):
    assert dialled_at(phone, clock, f"{day} 11:00") == OUT_OF_HOURS


@pytest.mark.parametrize("day", ["2026-03-18", "2026-07-14", "2026-12-29", "2026-08-24"])
def test_the_working_days_around_them_are_open(phone, clock, day):
    assert dialled_at(phone, clock, f"{day} 11:00") == GATEWAY


def test_the_day_after_the_weekend_boyne_is_closed_but_not_the_monday_before(phone, clock):
    assert dialled_at(phone, clock, "2026-07-13 09:30") == OUT_OF_HOURS
    assert dialled_at(phone, clock, "2026-07-06 09:30") == GATEWAY


# Each process prints the bank holidays of 2026 to 2030 it was given, how many countries' modules
# of the holidays package it imported to give them, and whether the package's countries can still
# be imported by name afterwards (the loader's own error message advises `from holidays.countries
# import <Entity>`).
BANK_HOLIDAYS = """
import datetime as dt, json, sys
{first}
days = [dt.date(2026, 1, 1) + dt.timedelta(n) for n in range(5 * 366)]
found = {{str(day): calendar.get(day) for day in days if calendar.get(day)}}
countries = sum(name.startswith("holidays.countries.") for name in sys.modules)
from holidays.countries import Ireland, UnitedKingdom
print(json.dumps({{"days": found, "countries": countries, "by_name": UnitedKingdom.__name__}}))
"""
PACKAGE_ALONE = "import holidays; calendar = holidays.country_holidays('GB', subdiv='NIR')"
THE_LINE = "from ivr import config_reader; calendar = config_reader.load('line.yaml').hours.bank_holidays"
# A release of the package whose loader reads each country from holidays.countries itself.
A_LATER_RELEASE = """
import importlib
from holidays.registry import EntityLoader
EntityLoader.get_entity = lambda self: getattr(importlib.import_module("holidays.countries"), self.entity_name)
"""


@pytest.mark.parametrize("before", ["", "import holidays.countries", A_LATER_RELEASE])
def test_a_start_loads_one_countrys_bank_holidays_the_same_days_the_package_gives(before):
    """Not all 250 countries' (70 ms and 8 MB of each start, ivr/bank_holidays.py); the same days
    when something else in the process has loaded them all first, or when a release of the package
    needs them all; and the package whole for anything else in the process afterwards."""
    def run(first):
        done = subprocess.run([sys.executable, "-c", BANK_HOLIDAYS.format(first=first)], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-1500:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    package, line = run(PACKAGE_ALONE), run(f"{before}\n{THE_LINE}")
    assert line["days"] == package["days"]
    assert "2026-07-13" in line["days"] and "2030-03-18" in line["days"]   # substitute days
    assert package["countries"] > 200
    assert line["countries"] == (1 if not before else package["countries"])
    assert line["by_name"] == "UnitedKingdom"


def test_closures_close_a_whole_day_or_a_range(phone_for, clock):
    settings = line_settings()
    settings["office_hours"]["closures"] = ["2026-12-24", {"from": "2026-12-31 13:00", "to": "2027-01-02 00:00"}]
    phone = phone_for(settings)
    assert dialled_at(phone, clock, "2026-12-24 09:00") == OUT_OF_HOURS
    assert dialled_at(phone, clock, "2026-12-23 16:59") == GATEWAY
    assert dialled_at(phone, clock, "2026-12-31 12:59") == GATEWAY
    assert dialled_at(phone, clock, "2026-12-31 13:00") == OUT_OF_HOURS


def test_the_override_sends_every_call_to_one_contact(phone_for, clock):
    settings = line_settings()
    settings["routing"]["override"] = "emergency_social_work"
    phone = phone_for(settings)
    assert dialled_at(phone, clock, "2026-07-14 10:00") == OUT_OF_HOURS
    settings["routing"]["override"] = "gateway"
    phone = phone_for(settings)
    assert dialled_at(phone, clock, "2026-07-18 23:00") == GATEWAY


def test_the_time_is_the_lines_zone_whatever_tz_the_server_runs_under(app, monkeypatch):
    hours = app.extensions["ivr.engine"].config.hours
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        now = utc_now()
        assert now.tzinfo is not None
        # 08:30 UTC on a Tuesday in July is 09:30 in Belfast (summer time): open; 16:30 UTC is 17:30: shut
        assert hours.is_open(dt.datetime(2026, 7, 14, 8, 30, tzinfo=dt.timezone.utc))
        assert not hours.is_open(dt.datetime(2026, 7, 14, 16, 30, tzinfo=dt.timezone.utc))
        # in winter Belfast is on UTC: 08:30 UTC is 08:30 there, before opening
        assert not hours.is_open(dt.datetime(2026, 1, 13, 8, 30, tzinfo=dt.timezone.utc))
        # 09:30 in Belfast is 04:30 in New York: open, though New York's clock says 04:30.
        assert hours.is_open(local("2026-07-14 09:30").astimezone(dt.timezone(dt.timedelta(hours=-4))))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# -- contacts with hours of their own ----------------------------------------------------------
MORNINGS = {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "open": "09:00", "close": "12:00"}
EVENINGS = {"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "open": "17:00", "close": "22:00"}


@pytest.mark.parametrize("gateway, emergency", [
    ("office hours", "outside office hours"),   # what the shipped line's contacts keep: nothing changes
    ("any time", "any time"),
    (None, None),
])
@pytest.mark.parametrize("moment, expected", [
    ("2026-07-14 10:00", GATEWAY), ("2026-07-14 20:00", OUT_OF_HOURS), ("2026-07-18 10:00", OUT_OF_HOURS),
    ("2026-07-13 10:00", OUT_OF_HOURS),   # a bank holiday
])
def test_contacts_whose_hours_match_the_routing_answer_as_before(phone_for, clock, gateway, emergency, moment,
                                                                  expected):
    assert dialled_at(phone_for(with_hours(gateway, emergency)), clock, moment) == expected


def test_a_day_team_closed_by_its_own_hours_passes_the_caller_to_the_out_of_hours_service(phone_for, clock):
    phone = phone_for(with_hours(gateway=MORNINGS, emergency="any time"))
    assert dialled_at(phone, clock, "2026-07-14 11:59") == GATEWAY
    assert dialled_at(phone, clock, "2026-07-14 12:00") == OUT_OF_HOURS   # office open, team closed


def test_an_out_of_hours_service_closed_by_its_own_hours_is_neither_dialled_nor_offered(phone_for, clock):
    phone = phone_for(with_hours(emergency=EVENINGS))
    clock.set("2026-07-14 10:00")
    open_now = phone.english().press("0").transfer_ends("no-answer")
    assert not open_now.hears("If it is urgent, for the emergency social work service")   # 10:00: closed until 17:00
    # Night: the out-of-hours service is closed, and a day team without hours of its own answers only
    # in office hours: someone must be rung, so the out-of-hours service, the line's last resort.
    assert dialled_at(phone, clock, "2026-07-14 23:00") == OUT_OF_HOURS
    # In office hours, after the day team did not answer, "urgent" is offered only while it is open.
    clock.set("2026-07-14 10:00")
    failed = phone.english().press("0").transfer_ends("no-answer")
    assert failed.press("2").dialled == []   # 2 is no choice here


def test_the_console_says_who_is_passed_over_and_why(make_app, clock):
    app = make_app(with_hours(gateway=MORNINGS, emergency="any time"), IVR_DEVELOPMENT=True)
    clock.set("2026-07-14 14:00")
    page = status_page(app)
    assert "office hours, and Gateway Team, Northern Health and Social Care Trust is closed" in page


@pytest.mark.parametrize("hours, words", [
    ("sometimes", "must be one of: any time, office hours, outside office hours"),
    ({"days": ["Mon"], "open": "22:00", "close": "08:00"}, "contacts.gateway.hours.close: 08:00 is not after"),
    ({"days": ["Funday"]}, "contacts.gateway.hours.days[0]: 'Funday' is not a weekday"),
])
def test_a_contacts_hours_that_cannot_be_read_stop_the_start_naming_the_key(hours, words):
    from ivr.config_reader import parse
    from ivr.files import ConfigError
    with pytest.raises(ConfigError) as caught:
        parse(with_hours(gateway=hours))
    assert any(words in problem for problem in caught.value.problems), caught.value.problems


def test_a_closure_range_ends_at_its_end_not_a_minute_later():
    config = hours_with([{"from": "2026-07-14 12:00", "to": "2026-07-14 14:00"}])
    routing = config.routing
    assert routing.route_for(local("2026-07-14 11:59")).key == "gateway"
    assert routing.route_for(local("2026-07-14 12:00")).key == "emergency_social_work"
    assert routing.route_for(local("2026-07-14 13:59")).key == "emergency_social_work"
    assert routing.route_for(local("2026-07-14 14:00")).key == "gateway"    # open again at its end


def test_an_unquoted_yaml_date_in_closures_closes_that_whole_day():
    config = hours_with([dt.date(2026, 12, 24)])    # what YAML makes of an unquoted 2026-12-24
    assert not config.hours.is_open(local("2026-12-24 09:00"))
    assert not config.hours.is_open(local("2026-12-24 16:59"))
    assert config.hours.is_open(local("2026-12-23 16:59"))


def test_a_time_with_its_own_offset_keeps_it():
    hours = parse(line_settings()).hours
    assert hours.parse_local("2026-07-14T10:00+00:00") == dt.datetime(2026, 7, 14, 10, tzinfo=dt.timezone.utc)
    assert hours.parse_local("2026-07-14 10:00") == local("2026-07-14 10:00")
