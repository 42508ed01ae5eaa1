"""What a choice does: one entry per kind of action, each with what it does.

A menu option goes to a node, names an area (the area question) or does one of the kinds
that may be an option's (``option=True``: menu.yaml ``do:``); every node offers the kinds of
EVERY_NODE on the keys menu.yaml's ``every_node`` gives them; the engine's own menus offer the
rest (a language, trying again, urgent). The menu reader refuses a ``do:`` that is not
registered here, so a kind cannot be offered without something to do.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

from .state import TRANSFER_FAILED, CallState
from .turn import Event, Kind, Turn

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True)
class Action:
    """What a key does: a registered ``kind``, with its ``target`` (a node, a language, an area)."""
    kind: str
    target: str | None = None


@dataclass(frozen=True)
class Call:
    """What the engine knows of the call making a request: its moment, the caller's number and the
    line's (Twilio's From and To), and its reference in the usage figures (for at-most-once texts)."""
    now: dt.datetime   # (if even the time cannot be had, the safety net answers with the fallback TwiML)
    caller: str | None = None
    line_number: str | None = None
    ref: Any = None


Do = Callable[["Engine", Action, CallState, Call], Turn]


@dataclass(frozen=True)
class ActionKind:
    do: Do
    option: bool   # a menu.yaml option may `do:` it


REGISTRY: dict[str, ActionKind] = {}
EVERY_NODE = ("speak_to_someone", "repeat", "back", "slower")   # offered on every node, in this order


def registered(name: str, option: bool = False) -> Callable[[Do], Do]:
    def register(do: Do) -> Do:
        REGISTRY[name] = ActionKind(do, option)
        return do
    return register


def do(engine: "Engine", action: Action, state: CallState, call: Call) -> Turn:
    return REGISTRY[action.kind].do(engine, action, state, call)


@registered("go")
def go(engine, action, state, call):
    return engine.present(state.at(action.target), call.now)


@registered("language")
def choose_language(engine, action, state, call):
    chosen = state.at(engine.menu.start, lang=action.target)
    return engine.present(chosen, call.now, welcome=True).after(Event(Kind.LANGUAGE, action.target))


@registered("speak_to_someone")
def speak_to_someone(engine, action, state, call):
    asked = state.node in engine.menu.area_nodes or state.node == TRANSFER_FAILED
    if state.area is None and not asked and engine.routes.needs_area(call.now):
        # who answers depends on the area: ask it ("try again" goes where the failed transfer went)
        return engine.present(state.at(engine.menu.area_question), call.now)
    return engine.transfer(state, call)


@registered("area")
def area(engine, action, state, call):
    return engine.transfer(replace(state, area=action.target), call).after(Event(Kind.AREA, action.target))


@registered("not_sure")
def not_sure(engine, action, state, call):
    """On the area question: routing.not_sure answers."""
    return engine.transfer(state, call).after(Event(Kind.AREA, "not sure"))


@registered("urgent")
def urgent(engine, action, state, call):
    return engine.transfer(state, call, contact=engine.routes.urgent(state.area))


@registered("repeat")
def repeat(engine, action, state, call):
    return engine.present(state.at(state.node, state.contact), call.now)


@registered("slower")
def slower(engine, action, state, call):
    return engine.present(replace(state.at(state.node, state.contact), slow=True), call.now)


@registered("back")
def back(engine, action, state, call):
    return engine.present(state.at(engine.script.parent(state)), call.now)


@registered("send_text", option=True)
def send_text(engine, action, state, call):
    """Send the text the caller agreed to, at most once a call, and say how it went."""
    back_to = state.at(engine.script.parent(state))
    refusal = engine.texter.refusal(call.caller) if engine.texter else None
    if not engine.texts_offered:   # only a forged URL gets here: texts are not offered
        outcome = "text.failed"
    elif state.texted:
        outcome = "text.already_sent"
    elif refusal:
        outcome = refusal
    else:
        language = engine.script.language(state)
        body = engine.wording.text_message("sms.body", language, state.area)
        sent = engine.texter.send(call.caller, body, call.ref, language.code)
        outcome = f"text.{sent}"
        if sent in ("sent", "already_sent"):
            back_to = replace(back_to, texted=True)
    return engine.present(back_to, call.now, lead=[outcome]).after(Event(Kind.TEXT, outcome.removeprefix("text.")))


OPTION_ACTIONS = tuple(name for name, kind in REGISTRY.items() if kind.option)
