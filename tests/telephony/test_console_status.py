"""What the console's status page says of who answers, why, and until when (without a browser: the
browser's view is test_console.py)."""
import datetime as dt

from ivr.config_reader import parse

from ..conftest import OUT_OF_HOURS, hours_with, line_settings, local, regional_settings, status_page


def test_the_console_says_why_and_when_that_changes(app):
    config = app.extensions["ivr.engine"].config
    hours, routing = config.hours, config.routing
    assert routing.reason(local("2026-07-14 10:00")) == "office hours"
    assert routing.reason(local("2026-07-13 10:00")) == "bank holiday: Battle of the Boyne (substitute day)"
    assert routing.reason(local("2026-07-18 10:00")) == "weekend"
    assert routing.reason(local("2026-07-14 18:00")) == "outside office hours"
    assert hours.next_change(local("2026-07-10 18:00")) == local("2026-07-14 09:00")   # past the long weekend
    assert hours.next_change(local("2026-07-14 10:00")) == local("2026-07-14 17:00")
    assert hours.next_bank_holiday(local("2026-07-14 10:00"))[0] == dt.date(2026, 8, 31)


# -- found by mutation testing (make mutants): what the console says, at the edges ------------------

def test_during_a_closure_the_console_says_so_and_when_it_ends():
    config = hours_with([{"from": "2026-07-14 12:00", "to": "2026-07-15 12:00"}])
    assert config.routing.reason(local("2026-07-14 13:00")) == "closed from 14 Jul 12:00 to 15 Jul 12:00"
    assert config.hours.closure(local("2026-07-14 13:00")).end == local("2026-07-15 12:00")
    assert config.hours.closure(local("2026-07-14 11:00")) is None
    assert config.hours.next_change(local("2026-07-14 13:00")) == local("2026-07-15 12:00")   # its end


def test_the_next_change_is_looked_for_within_its_window_only():
    hours = parse(line_settings()).hours
    thursday_evening = local("2026-07-16 18:00")
    assert hours.next_change(thursday_evening, days=0) is None
    assert hours.next_change(thursday_evening, days=1) == local("2026-07-17 09:00")
    month_closed = hours_with([{"from": "2026-07-14 00:00", "to": "2026-08-20 00:00"}]).hours
    assert month_closed.next_change(local("2026-07-15 10:00")) is None   # none in the next three weeks


def test_the_console_names_the_override_and_a_number_routing_does_not_choose():
    settings = line_settings()
    settings["routing"]["override"] = "emergency_social_work"
    routing = parse(settings).routing
    assert routing.reason(local("2026-07-14 10:00")) == "the override in line.yaml sends every call there"
    assert routing.why("+448088005000", local("2026-07-14 10:00")) == "a number of line.yaml"
    assert routing.why(OUT_OF_HOURS, local("2026-07-14 10:00")) == (
        "Regional Emergency Social Work Service: the override in line.yaml sends every call there")


def test_the_next_change_is_looked_for_three_weeks_ahead_by_default():
    closed = hours_with([{"from": "2026-07-15 12:00", "to": "2026-08-06 00:00"}]).hours
    # It opens again on Thursday 6 August at 09:00: 22 days after Wednesday 15 July, past the window.
    assert closed.next_change(local("2026-07-15 13:00")) is None
    assert closed.next_change(local("2026-07-15 13:00"), days=22) == local("2026-08-06 09:00")


def test_a_transcript_says_why_a_number_is_rung_in_the_area_of_the_call_or_in_whichever_area_rings_it():
    # (`ivr call` and the console's simulated calls print this beside each number dialled)
    settings = regional_settings()
    settings["areas"]["western"]["contacts"]["gateway"]["name"] = "Gateway Team"
    routes = parse(settings).routes
    tuesday, evening = local("2026-07-14 10:00"), local("2026-07-14 20:00")
    southern = "Gateway Team, Southern Health and Social Care Trust"
    assert routes.why("+448007837745", tuesday, "southern") == f"{southern}: office hours"
    assert routes.why("+448007837745", tuesday) == f"{southern}: office hours", "found in the area that rings it"
    # an area's own contact whose name does not say the area: the area is named after it
    western = "Gateway Team: office hours (Western Health and Social Care Trust)"
    assert routes.why("+442871314090", tuesday, "western") == western
    assert routes.why("+442871314090", tuesday) == western
    # the line's own contact is never given an area
    assert routes.why(OUT_OF_HOURS, evening, "western") == "Regional Emergency Social Work Service: outside office hours"
    # a number the area's routing does not choose now
    assert routes.why("+448007837745", evening, "southern") == "a number of line.yaml"
    assert routes.why("+448007837745", tuesday, "belfast") == "a number of line.yaml", "another area's number"
    assert routes.why(OUT_OF_HOURS, tuesday, "southern") == (
        "Regional Emergency Social Work Service: the caller chose it as urgent")
    assert routes.why("+448007837745", evening) == "a number of line.yaml", "no area rings it now"


def test_the_status_page_shows_each_contacts_own_hours_and_whether_it_is_open_now(make_app, clock):
    """A council that gives a contact hours of its own can see them, and see them take effect (a
    newcomer adding one found them nowhere on the page)."""
    app = make_app(IVR_DEVELOPMENT=True)

    def rows_at(moment: str) -> list[str]:
        clock.set(moment)
        page = status_page(app)
        table = page[page.index('data-testid="own-hours"'):page.index("</table>", page.index('data-testid="own-hours"'))]
        return [" ".join(row.split()).removesuffix(" </tbody>") for row in table.split("<tr>")[2:]]
    nspcc = ("NSPCC Helpline (for callers not sure of the child&#39;s area)</th><td>Mon, Tue, Wed, Thu, Fri 08:00 "
             "to 22:00; Sat, Sun 09:00 to 18:00, not on bank holidays</td>")
    assert rows_at("2026-07-18 10:00") == [   # a Saturday morning
        "<th scope=\"row\">Regional Emergency Social Work Service</th><td>outside office hours</td><td>open</td></tr>",
        "<th scope=\"row\">Gateway Team, Northern Health and Social Care Trust</th><td>office hours</td><td>closed</td></tr>",
        f"<th scope=\"row\">{nspcc}<td>open</td></tr>"]
    assert rows_at("2026-07-18 19:00")[2] == f"<th scope=\"row\">{nspcc}<td>closed</td></tr>"
    assert rows_at("2026-07-14 10:00")[:2] == [   # a Tuesday in office hours
        "<th scope=\"row\">Regional Emergency Social Work Service</th><td>outside office hours</td><td>closed</td></tr>",
        "<th scope=\"row\">Gateway Team, Northern Health and Social Care Trust</th><td>office hours</td><td>open</td></tr>"]


def test_a_contacts_state_is_given_by_area_where_the_areas_office_hours_differ(make_app, clock):
    settings = regional_settings()
    settings["areas"]["belfast"]["office_hours"] = {"close": "16:30"}
    app = make_app(settings, IVR_DEVELOPMENT=True)
    clock.set("2026-07-14 16:45")
    page = status_page(app)
    row = page[page.index('<th scope="row">Regional Emergency Social Work Service</th><td>outside office hours'):]
    assert " ".join(row[:row.index("</tr>")].split()).endswith(
        "<td>open in Belfast Health and Social Care Trust; closed in Northern Health and Social Care Trust, "
        "South Eastern Health and Social Care Trust, Southern Health and Social Care Trust, Western Health and "
        "Social Care Trust, callers not sure of the child&#39;s area</td>")
