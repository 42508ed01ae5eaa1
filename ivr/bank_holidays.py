"""One country's bank holidays, from the `holidays` package, without loading every other country.

``holidays.country_holidays("GB", subdiv="NIR")`` finds the country through the package's own
lazy loader (holidays/registry.py, ``EntityLoader``), which imports only that country's module,
holidays/countries/united_kingdom.py. But importing any module inside holidays/countries/ first
runs that folder's __init__.py, which imports all 250 countries: on this line, about 70 ms and
8 MB of each start (measured with bench/run.py's start-up script, before and after).

So for the lookup alone, holidays.countries is registered as its folder (a package whose
__init__.py is not run), and the lazy loader imports one country's module as it means to, with
whatever neighbours that module imports itself (American Samoa imports the United States).
Afterwards the folder is unregistered: ``from holidays.countries import UnitedKingdom`` anywhere
in the process gets the real package. The calendar is the package's own, through its public API:
the country codes and aliases, subdivisions, substitute days, years filled in as they are asked
for. Should a release of the package need the real holidays.countries for the lookup, the lookup
is made again with it: slower, never wrong.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

import holidays
from holidays.registry import EntityLoader

COUNTRIES = "holidays.countries"


def calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The calendar ``holidays.country_holidays`` gives; NotImplementedError as it raises it, and
    for a name of the package's that is not a country code (``utils`` is a module of it, and
    ``HolidayBase`` a class: the package looks a country up by any name it has)."""
    if country not in EntityLoader.get_country_codes():   # (the registry's codes and aliases: nothing imported)
        raise NotImplementedError(f"Country {country} not available")
    if COUNTRIES not in sys.modules:
        spec = importlib.machinery.ModuleSpec(COUNTRIES, None, is_package=True)
        spec.submodule_search_locations = [str(Path(holidays.__file__).parent / "countries")]
        folder = importlib.util.module_from_spec(spec)
        sys.modules[COUNTRIES] = holidays.countries = folder   # (bound as an import binds it)
        try:
            return holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            pass   # (an unknown country or subdivision; or a release that needs the whole package)
        finally:
            if sys.modules.get(COUNTRIES) is folder:
                del sys.modules[COUNTRIES]
            if getattr(holidays, "countries", None) is folder:
                del holidays.countries
    return holidays.country_holidays(country, subdiv=subdivision)
