"""One country's bank holidays, from the `holidays` package, without loading every other country.

``holidays.country_holidays("GB", subdiv="NIR")`` finds the country through the package's own
lazy loader (holidays/registry.py, ``EntityLoader``), which imports only that country's module,
holidays/countries/united_kingdom.py. But importing any module inside holidays/countries/ first
runs that folder's __init__.py, which imports all 250 countries: on this line, about 70 ms and
8 MB of each start (measured with bench/run.py's start-up script, before and after).

So before the first lookup, holidays.countries is registered as its folder alone (a package
whose __init__.py is not run), and the lazy loader imports one country's module as it means to,
with whatever neighbours that module imports itself (American Samoa imports the United
States). Everything else is the package's public API, unchanged: the country codes and aliases,
subdivisions, substitute days, and the errors for a code or subdivision it does not know.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

import holidays

COUNTRIES = "holidays.countries"


def calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The calendar ``holidays.country_holidays`` gives; NotImplementedError as it raises it."""
    if COUNTRIES not in sys.modules:
        spec = importlib.machinery.ModuleSpec(COUNTRIES, None, is_package=True)
        spec.submodule_search_locations = [str(Path(holidays.__file__).parent / "countries")]
        sys.modules[COUNTRIES] = holidays.countries = importlib.util.module_from_spec(spec)   # (as an import binds it)
    return holidays.country_holidays(country, subdiv=subdivision)
