"""The menu graph, read from prompts/menu.yaml: which key leads where.

The graph knows nodes, keys and prompt ids only; what those prompts say is the
catalog's business, and who answers is the routing's.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..files import ConfigError, read_yaml
from .actions import EVERY_NODE, OPTION_ACTIONS, Action
from .state import RESERVED

KEYS = frozenset("0123456789*#")
MAX_OPTIONS = 5          # counting "speak to someone": more is too many to remember
NEEDS = ("texting",)          # what a node may need from line.yaml to be offered
NOT_SURE = "option.not_sure"   # the area question's way to a person (chosen by keywords.not_sure)
# Seconds of audio a caller may hear at each kind of place (see ivr/timings.py).
BUDGETS = ("to_a_person", "to_a_person_after_language", "first_menu", "language_menu", "menu", "message",
           "before_transfer")


@dataclass(frozen=True)
class Option:
    key: str
    say: str                # prompt id
    go: str | None = None   # node id
    do: str | None = None   # or an action (OPTION_ACTIONS)
    area: str | None = None   # or, on the area question, the area it names (line.yaml areas)

    @property
    def name(self) -> str:
        """The option's name in prompt ids: option.<name>, keywords.<name>."""
        return self.say.removeprefix("option.")


@dataclass(frozen=True)
class Node:
    id: str
    say: str | None                 # prompt id: the message, or the menu's opening words
    options: tuple[Option, ...] = ()
    parent: str | None = None
    needs: str | None = None        # offered only when line.yaml provides this (NEEDS)
    more: str | None = None         # a message that goes on in this node, if the caller chooses

    @property
    def is_menu(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class Menu:
    start: str
    nodes: Mapping[str, Node]
    every_node: Mapping[str, str]        # action kind -> key
    transfer_failed: Mapping[str, str]   # "try_again", "urgent" -> key
    budgets: Mapping[str, float] = field(default_factory=dict)   # BUDGETS -> seconds
    more_key: str = "1"                  # after a message that goes on: hear the next part
    area_question: str | None = None     # the node asking where the child lives (line.yaml areas)

    @functools.cached_property
    def area_nodes(self) -> frozenset[str]:
        """The area question and the nodes it leads to: there, the way to a person is "not sure"."""
        found, todo = set(), [self.area_question] if self.area_question else []
        while todo:
            node = self.nodes[todo.pop()]
            found.add(node.id)
            todo += [option.go for option in node.options if option.go]
        return frozenset(found)

    def areas_below(self, node_id: str) -> list[Option]:
        """The area options of the menus an area question's options lead to (not its own).
        (Every menu an area question leads to is one of ``area_nodes``.)"""
        found = []
        for option in self.nodes[node_id].options:
            if option.go:
                found += [o for o in self.nodes[option.go].options if o.area] + self.areas_below(option.go)
        return found

    def areas_named(self) -> set[str]:
        """Every area an option of the area question names."""
        return {option.area for node_id in self.area_nodes for option in self.nodes[node_id].options
                if option.area}

    def node(self, node_id: str | None) -> Node | None:
        return self.nodes.get(node_id) if node_id else None

    def action(self, node: Node, key: str) -> Action | None:
        """What ``key`` does on ``node``; None when it is not an option there."""
        for option in node.options:
            if option.key == key:
                if option.area:
                    return Action("area", option.area)
                return Action("go", option.go) if option.go else Action(option.do)
        for kind, bound in self.every_node.items():
            if bound == key:
                return Action(kind)
        return None

    def actions(self) -> list[Action]:
        """Every action a key of the menu can take."""
        return [self.action(node, option.key) for node in self.nodes.values() for option in node.options] + \
            [Action(kind) for kind in self.every_node]

    def prompt_ids(self, area_question: bool = True) -> set[str]:
        """Every prompt the menus say; the area question's only if it is asked (``area_question``)."""
        ids = set()
        for node in self.nodes.values():
            if node.id in self.area_nodes and not area_question:
                continue
            ids.update(option.say for option in node.options)
            ids.update(f"keywords.{option.name}" for option in node.options)
            if node.say:
                ids.add(node.say)
            if node.more:
                ids.update(("option.more", "keywords.more"))
        if self.area_question and area_question:
            ids.update((NOT_SURE, "keywords.not_sure"))
        return ids


def load(path: str | Path) -> Menu:
    raw = read_yaml(path)
    reader = _Reader(raw if isinstance(raw, dict) else {})
    menu = reader.menu()
    if reader.problems:
        raise ConfigError(str(path), reader.problems)
    return menu


class _Reader:
    """Reads menu.yaml, noting problems instead of stopping at the first."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.problems: list[str] = []
        self.parents: dict[str, str] = {}
        self.continued: dict[str, str] = {}   # the second part of a message -> its first part

    def key(self, value: Any, where: str) -> str:
        key = str(value)
        if key not in KEYS:
            self.problems.append(f"{where}: {value!r} is not a key on a phone keypad (0-9, * or #)")
        return key

    def menu(self) -> Menu:
        every_node, transfer_failed, more_key = self.keys_everywhere()
        raw_nodes = self.raw.get("nodes") or {}
        if not isinstance(raw_nodes, dict) or not raw_nodes:
            self.problems.append("nodes: is missing")
            raw_nodes = {}
        parsed = {str(node_id): self.node(str(node_id), body, raw_nodes, every_node)
                  for node_id, body in raw_nodes.items()}
        start, area_question = self.roots(parsed)
        nodes = {node_id: Node(node_id, say, options, self.parents.get(node_id), needs, more)
                 for node_id, (say, options, needs, more) in parsed.items()}
        return Menu(start, MappingProxyType(nodes), MappingProxyType(every_node), MappingProxyType(transfer_failed),
                    MappingProxyType(self.budgets()), more_key, area_question)

    def keys_everywhere(self) -> tuple[dict[str, str], dict[str, str], str]:
        """every_node's keys, transfer_failed's, and the key that hears the rest of a message."""
        problems, every = self.problems, self.raw.get("every_node") or {}
        every_node = {}
        for kind in EVERY_NODE:
            if kind not in every:
                problems.append(f"every_node.{kind}: is missing; every node needs it")
            else:
                every_node[kind] = self.key(every[kind], f"every_node.{kind}")
        failed = self.raw.get("transfer_failed") or {}
        transfer_failed = {}
        for kind in ("try_again", "urgent"):
            if kind not in failed:
                problems.append(f"transfer_failed.{kind}: is missing")
            else:
                transfer_failed[kind] = self.key(failed[kind], f"transfer_failed.{kind}")
        if len(set(every_node.values()) | set(transfer_failed.values())) != len(every_node) + len(transfer_failed):
            problems.append("transfer_failed: its keys must differ from each other and from every_node's")
        more_key = self.key(self.raw.get("more", "1"), "more")
        if more_key in every_node.values():
            problems.append(f"more: {more_key!r} is already used on every node by every_node")
        return every_node, transfer_failed, more_key

    def node(self, node_id: str, body: Any, raw_nodes: Mapping, every_node: Mapping[str, str]) -> tuple:
        problems, where = self.problems, f"nodes.{node_id}"
        if node_id in RESERVED:
            problems.append(f"{where}: the name {node_id!r} is kept for a menu the line makes itself")
        body = body if isinstance(body, dict) else {}
        options: list[Option] = []
        for index, item in enumerate(body.get("options") or []):
            options.append(self.option(node_id, f"{where}.options[{index}]", item, options, raw_nodes, every_node))
        if len(options) + 1 > MAX_OPTIONS:
            problems.append(f"{where}.options: {len(options)} options plus \"speak to someone\" is more than {MAX_OPTIONS}")
        if not options and not body.get("say"):
            problems.append(f"{where}.say: a message needs the prompt it says")
        needs = body.get("needs")
        if needs is not None and needs not in NEEDS:
            problems.append(f"{where}.needs: {needs!r} must be one of {', '.join(NEEDS)}")
        more = body.get("more")
        if more is not None:
            if options or str(more) not in raw_nodes:
                problems.append(f"{where}.more: {more!r} must be a node, and only a message goes on in another")
            elif str(more) in self.continued:
                problems.append(f"{where}.more: {more!r} already continues {self.continued[str(more)]!r}")
            else:
                self.continued[str(more)] = node_id
        return body.get("say"), tuple(options), needs, more and str(more)

    def option(self, node_id: str, spot: str, item: Any, before: list[Option], raw_nodes: Mapping,
               every_node: Mapping[str, str]) -> Option:
        problems, parents = self.problems, self.parents
        item = item if isinstance(item, dict) else {}
        key = self.key(item.get("key"), f"{spot}.key")
        if key in every_node.values():
            problems.append(f"{spot}.key: {key!r} is already used on every node by every_node")
        if key in (o.key for o in before):
            problems.append(f"{spot}.key: {key!r} is used twice on this menu")
        go, do, area = item.get("go"), item.get("do"), item.get("area")
        if area is not None:
            if go is not None or do is not None:
                problems.append(f"{spot}.area: an option names an area, or goes to a node, or does something")
        elif do is not None:
            if go is not None or do not in OPTION_ACTIONS:
                problems.append(f"{spot}.do: {do!r} must be one of {', '.join(OPTION_ACTIONS)}, without go")
        elif str(go) not in raw_nodes:
            problems.append(f"{spot}.go: {go!r} is not a node")
        elif go in parents and parents[go] != node_id:
            problems.append(f"{spot}.go: {go!r} is already reached from {parents[go]!r}; a node has one parent")
        else:
            parents[str(go)] = node_id
        if not str(item.get("say", "")).startswith("option."):
            problems.append(f"{spot}.say: the prompt that offers this option, named option.<something>")
        return Option(key, str(item.get("say")), go and str(go), do and str(do), area and str(area))

    def roots(self, parsed: Mapping[str, tuple]) -> tuple[str, str | None]:
        """The first menu and the area question; every node reached from one of them."""
        problems, parents, continued = self.problems, self.parents, self.continued
        start = str(self.raw.get("start"))
        if start not in parsed:
            problems.append(f"start: {self.raw.get('start')!r} is not a node")
        elif start in parents:
            problems.append(f"start: {start!r} is reached from {parents[start]!r}; the first menu has no parent")
        area_question = self.raw.get("area_question")
        roots = {start}
        if area_question is not None:
            area_question = str(area_question)
            if area_question not in parsed or not parsed[area_question][1]:
                problems.append(f"area_question: {area_question!r} is not a menu")
            elif area_question in parents:
                problems.append(f"area_question: {area_question!r} is reached from {parents[area_question]!r}; "
                                "it is asked only when a caller asks for a person")
            roots.add(area_question)
        for node_id, (_, options, _, _) in parsed.items():
            for index, option in enumerate(options):
                if option.area and (not area_question or not _leads_from(area_question, node_id, parents)):
                    problems.append(f"nodes.{node_id}.options[{index}].area: only the area question "
                                    f"(area_question) and its menus name areas")
        for later, first in continued.items():
            if later in parents:
                problems.append(f"nodes.{later}: is both an option's node and the rest of {first!r}")
        for later in continued:   # "back" from any part of a message goes where it goes from the first
            first = later
            for _ in range(len(continued) + 1):
                first = continued.get(first, first)
            if first in parents:
                parents[later] = parents[first]
        for node_id in parsed:
            if node_id not in roots and node_id not in parents:
                problems.append(f"nodes.{node_id}: cannot be reached from {start!r}")
        return start, area_question

    def budgets(self) -> dict[str, float]:
        budgets = {}
        raw_budgets = self.raw.get("budgets") if isinstance(self.raw.get("budgets"), dict) else {}
        for kind in BUDGETS:
            value = raw_budgets.get(kind)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
                self.problems.append(f"budgets.{kind}: must be a number of seconds from 1 to 600, not {value!r}")
            else:
                budgets[kind] = float(value)
        for kind in sorted(set(raw_budgets) - set(BUDGETS)):
            self.problems.append(f"budgets.{kind}: is not a budget the line knows ({', '.join(BUDGETS)})")
        return budgets


def _leads_from(root: str, node_id: str, parents: Mapping[str, str]) -> bool:
    """Whether ``node_id`` is ``root`` or below it."""
    for _ in range(len(parents) + 1):
        if node_id == root:
            return True
        if node_id not in parents:
            return False
        node_id = parents[node_id]
    return False
