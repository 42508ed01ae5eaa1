"""The five Trusts' areas as the tests meet them: the numbers a regional line is rung on, each
area's Gateway Team as line.yaml ships them, and the keys a caller presses to reach an area."""
import re

from .conftest import shipped_settings
from .phone import Phone

BELFAST_NUMBER = "+442890000002"   # a council's own number, given to the Belfast area in these tests
REGIONAL = "+442890000000"          # any other number: the regional line asks
NSPCC = "+448088005000"
# Each Trust's Gateway Team, as line.yaml ships them.
GATEWAYS = {area: body["contacts"]["gateway"] for area, body in shipped_settings()["areas"].items()}


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def first_number(contact: dict) -> str:
    return contact["numbers"][0]["number"] if "numbers" in contact else contact["number"]


def with_council_number(settings: dict) -> dict:
    settings["called_numbers"] = {BELFAST_NUMBER: {"area": "belfast"}}
    return settings


def keys_to(menu, area: str, node: str | None = None) -> list[str]:
    """The keys a caller presses on the area question (menu.yaml) to choose ``area``."""
    for option in menu.nodes[node or menu.area_question].options:
        if option.area == area:
            return [option.key]
        if option.go and (deeper := keys_to(menu, area, option.go)):
            return [option.key] + deeper
    return []


def ask_for_a_person(phone: Phone, to: str = REGIONAL):
    """Ring, choose English, press 0."""
    return phone.ring(to).press("1").press("0")


def put_through_in(phone: Phone, menu, area: str):
    """Ring the regional number, choose English, press 0, and choose ``area`` at the area question."""
    reply = ask_for_a_person(phone)
    for key in keys_to(menu, area):
        reply = reply.press(key)
    return reply
