"""Every rule a line is held to, in one list, each saying what it costs when broken:

    START  the line refuses to start (a caller would hear something wrong, or nothing)
    CHECK  `check` fails (what start-up lets pass but a caller would still hear wrong)
    LIVE   `check --live` fails (what stands between the line and real callers)
    WARN   `check` says so, and passes

A rule's place in this list is the only thing that decides which: to add a rule, add an entry.
Reading the files comes first (ivr/line_files.py): a file that cannot be read into the line's
objects stops the start before any rule runs.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable

from . import line_files, phrases, sms, timings, translations
from .callflow.matching import overlaps
from .callflow.state import TRANSFER_FAILED
from .callflow.transfers import TEAM_PROMPTS
from .catalog import PLACEHOLDERS, placeholders
from .hours_words import HOURS_PARTS
from .files import ConfigError
from .line_files import AUDIO_DIR, LineFiles
from .texting import EXAMPLE_MOBILE

log = logging.getLogger(__name__)

FEW = 3   # untranslated prompts named one by one; more are one line (the red team's L6: 99 lines)


class Severity(Enum):
    START = "stops the start"
    CHECK = "fails check"
    LIVE = "fails check --live"
    WARN = "a warning of check"


@dataclass
class Context:
    """What rules beyond start-up may need: a stopwatch for caller time, and for `check --live`
    the Twilio account (a callable that returns go_live's AccountCheck, read once). ``drafts``:
    translations whose English changed are spoken as they are (development), not refused."""
    stopwatch: "timings.Stopwatch | None" = None
    account: Callable[[], Any] | None = None
    drafts: bool = False
    _account_check: Any = None

    def account_check(self):
        """The account (``account``: given for `check --live`, whose rules alone ask), read once
        however many rules ask."""
        if self._account_check is None:
            self._account_check = self.account()
        return self._account_check


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    find: Callable[[LineFiles, Context], Iterable[str]]
    live: Severity | None = None   # its severity under `check --live`, where that differs


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# -- start-up ------------------------------------------------------------------------------
def translated(files: LineFiles, context: Context) -> list[str]:
    """Every prompt the line needs, in every language: there, not fuzzy, with the English's placeholders."""
    config, catalog = files.config, files.catalog
    required = files.inventory.required_prompts()
    allowed = (PLACEHOLDERS | set(config.numbers) | set(config.links) | {f"key_{k}" for k in files.menu.every_node}
               | files.wording.hours_names | HOURS_PARTS)
    wanted = {language.code: required | (set(TEAM_PROMPTS) if language == config.first_language else set())
              for language in config.languages}
    found, untranslated = [], {}
    for prompt_id in sorted(set().union(*wanted.values())):
        if prompt_id not in catalog.source:
            found.append(f"prompts/en.yaml: {prompt_id}: is needed by the line but missing")
            continue
        expected = placeholders(catalog.source[prompt_id].text)
        for unknown in sorted(expected - allowed):
            found.append(f"prompts/en.yaml: {prompt_id}: {{{unknown}}} is not a number or link in line.yaml, "
                         "nor {key}, {choice} or a {key_...} of every_node")
        for code, needed in wanted.items():
            if prompt_id not in needed:
                continue
            if not catalog.has(prompt_id, code):
                untranslated.setdefault(code, []).append(prompt_id)
            elif catalog.is_fuzzy(prompt_id, code) and not context.drafts:
                found.append(f"language {code}: {prompt_id}: is marked fuzzy (its English changed since it was "
                             "translated): translate it again and clear the flag")
            elif placeholders(catalog.text(prompt_id, code)) != expected:
                found.append(f"language {code}: {prompt_id}: placeholders "
                             f"{sorted(placeholders(catalog.text(prompt_id, code)))} differ from the English "
                             f"{sorted(expected)}")
    for code, missing in untranslated.items():
        if len(missing) <= FEW:
            found += [f"language {code}: {prompt_id}: has no translation" for prompt_id in missing]
        else:
            found.append(f"language {code}: {len(missing)} prompts have no translation ({', '.join(missing[:FEW])} "
                         f"and {len(missing) - FEW} more): is its catalog empty or missing?")
    return found


def playable(files: LineFiles, context: Context) -> Iterable[str]:
    """Every recording is telephone audio Twilio can play."""
    return files.recordings.problems


def area_question_offers_the_areas(files: LineFiles, context: Context) -> list[str]:
    """On a regional line, the area question (menu.yaml) must offer exactly line.yaml's areas."""
    config, menu = files.config, files.menu
    if not config.several_areas:
        return []
    if not menu.area_question:
        return ["prompts/menu.yaml: area_question: is missing, and line.yaml has areas and area: null "
                "(callers must be asked)"]
    named, configured = menu.areas_named(), set(config.areas)
    found = [f"prompts/menu.yaml: the area question offers {area!r}, which is not under areas in line.yaml"
             for area in sorted(named - configured)]
    found += [f"line.yaml: areas.{area}: the area question in prompts/menu.yaml never offers it"
              for area in sorted(configured - named)]
    return found


def sayable(files: LineFiles, context: Context) -> list[str]:
    """A language that no Twilio voice speaks has a recording of everything it may say: each
    sentence or segment, and the pieces numbers and hours are said from (ivr/pieces.py)."""
    return [f"language {language.code}: {name}: has no recording in {AUDIO_DIR}/{language.code}/, "
            "and no Twilio voice speaks the language"
            for language in files.config.languages if not language.speaks
            for name in sorted(files.inventory.recordings(language))
            if files.recordings.get(language.code, name) is None]


def recordings_say_the_words(files: LineFiles, context: Context) -> list[str]:
    """A caller never hears words other than the prompt's (a changed sentence). In a
    language with a voice, such a recording is set aside at start-up and the prompt is spoken
    (see ``startup``); in a language without one, the line refuses to start until it is made again."""
    return [f"language {code}: {prompt}: its recording says other words than the prompt now does: "
            f"make it again with `flask --app ivr recordings make --lang {code}`"
            for code, prompt in files.stale if not files.config.language(code).speaks]


# -- check ----------------------------------------------------------------------------------
def keywords_distinct(files: LineFiles, context: Context) -> list[str]:
    """Where a word one option is chosen by lies within another option's words on the same menu, a
    caller saying more than the longer one ("how to talk with my children") would be heard as the
    shorter ("talk": speak to someone). One line per such pair, per language."""
    found = []
    script = files.inventory.script
    places = [node.id for node in files.menu.nodes.values()] + [TRANSFER_FAILED]
    for language in files.config.languages:
        if not language.listens:
            continue
        for node_id in places:
            # (a later area question's towns, said sooner, share words with the option leading there)
            choices = [c for c in script.choices(node_id, language, urgent=True) if c.key]
            for longer, word in overlaps(choices):
                found.append(f"language {language.code}: menu {node_id}: the keyword {word!r} of one option is "
                             f"part of {longer!r} of another: make one of them distinct")
    return sorted(set(found))


def text_fits(files: LineFiles, context: Context) -> list[str]:
    return [f"language {code}: {prompt}: the text takes {count} SMS segments ({encoding}), more than {allowed}: "
            "shorten it, keeping every number"
            for code, measured in sms.sizes(files).items()
            for prompt, encoding, count, allowed, _ in measured if count > allowed]


def callers_words_lead_where_they_should(files: LineFiles, context: Context) -> list[str]:
    return phrases.problems(files)


def text_preview_neutral(files: LineFiles, context: Context) -> list[str]:
    return sms.preview_problems(files)


def caller_time_measured(files: LineFiles, context: Context) -> list[str]:
    """Every place of the call within its budget, measured by espeak-ng (not measured without it)."""
    stopwatch = context.stopwatch or timings.Stopwatch()
    return [] if stopwatch.estimated else timings.problems(timings.report(files, stopwatch))


def caller_time_estimated(files: LineFiles, context: Context) -> list[str]:
    """Without espeak-ng, caller time is estimated from the characters: an estimate is no
    measurement to fail on, so its overruns are warnings."""
    stopwatch = context.stopwatch or timings.Stopwatch()
    if not stopwatch.estimated:
        return []
    return ["espeak-ng is not installed, so caller time is not measured (apt-get install espeak-ng); estimated:"] + \
        timings.problems(timings.report(files, stopwatch))


def texts_from_a_real_number(files: LineFiles, context: Context) -> list[str]:
    texting = files.config.texting
    if texting and EXAMPLE_MOBILE.fullmatch(texting.sender):
        return [f"texting.from: {texting.sender} is an example number (Ofcom's drama range): set a Twilio number "
                "of yours before going live, or texts will fail"]
    return []


def languages_withheld(files: LineFiles, context: Context) -> list[str]:
    """Languages callers cannot choose until they are ready: a warning of check, a problem of --live."""
    return [f"language {code}: withheld from callers ({len(found)} problem{'' if len(found) == 1 else 's'}): "
            + "; ".join(found[:FEW]) + (f"; and {len(found) - FEW} more" if len(found) > FEW else "")
            for code, found in files.withheld.items()]


# -- live ----------------------------------------------------------------------------------
def languages_signed_off(files: LineFiles, context: Context) -> list[str]:
    """What stands between each language and going live: a draft, fuzzy or missing translations,
    translations changed since the sign-off, machine placeholders, recordings of old words."""
    return translations.live_problems(translations.status(files, files.root / "locales"))


def account_ready(files: LineFiles, context: Context) -> list[str]:
    """The Twilio account: the text sender can send texts (see ivr/go_live.py)."""
    return context.account_check().problems


def account_advice(files: LineFiles, context: Context) -> list[str]:
    """The Twilio account: a fallback URL off the line's host for each of its numbers."""
    return context.account_check().warnings


START, CHECK, LIVE, WARN = Severity.START, Severity.CHECK, Severity.LIVE, Severity.WARN
RULES = (
    Rule("every prompt translated in every language", START, translated),
    Rule("every recording playable", START, playable),
    Rule("the area question offers line.yaml's areas", START, area_question_offers_the_areas),
    Rule("a recording of every prompt where no voice speaks", START, sayable),
    Rule("recordings say the prompts' words where no voice speaks", START, recordings_say_the_words),
    Rule("spoken choices distinct on each menu", CHECK, keywords_distinct),
    Rule("the phrases callers say lead where they should", CHECK, callers_words_lead_where_they_should),
    Rule("each text within its SMS segments", CHECK, text_fits),
    Rule("the text one item a line, its first line neutral and quoted by the consent", CHECK,
         text_preview_neutral),
    Rule("caller time within the budgets", CHECK, caller_time_measured),
    Rule("caller time within the budgets, estimated", WARN, caller_time_estimated),
    Rule("texts sent from a number of yours", WARN, texts_from_a_real_number, live=LIVE),
    Rule("every language ready, or withheld from callers", WARN, languages_withheld, live=LIVE),
    Rule("every language reviewed and signed off", LIVE, languages_signed_off),
    Rule("the Twilio account sends the texts", LIVE, account_ready),
    Rule("the Twilio account's fallback URLs", LIVE, account_advice, live=WARN),
)
# Rules that only make sense on a line whose words are all there (they would repeat what is missing).
AFTER_TRANSLATIONS = ("a recording of every prompt where no voice speaks",
                      "recordings say the prompts' words where no voice speaks")


def startup_problems(files: LineFiles, context: Context | None = None) -> list[str]:
    context = context or Context()
    problems = []
    for rule in RULES:
        if rule.severity is not START or (problems and rule.name in AFTER_TRANSLATIONS):
            continue
        problems += rule.find(files, context)
    return problems


LANGUAGE_PROBLEM = re.compile(r"language ([A-Za-z0-9-]+): ")


def not_ready(files: LineFiles, problems: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The languages other than the first that START problems keep from callers (code -> its
    problems: untranslated, fuzzy, unrecorded ...), and the problems that stop the start."""
    first, held, stopping = files.first_language.code, {}, []
    for problem in problems:
        match = LANGUAGE_PROBLEM.match(problem)
        if match and match.group(1) != first and files.config.language(match.group(1)):
            held.setdefault(match.group(1), []).append(problem)
        else:
            stopping.append(problem)
    return held, stopping


def startup(files: LineFiles, drafts: bool = False, withhold: bool = True) -> tuple[LineFiles, list[str]]:
    """The START rules; a language other than the first that breaks them is withheld from callers
    (``withhold``: a change to the English never takes the line down), with a warning; and, in a
    language with a voice, a recording that no longer says its prompt's words set aside (the prompt
    is spoken instead), with a warning. ``drafts``: fuzzy translations are spoken (development)."""
    context = Context(drafts=drafts)
    problems = startup_problems(files, context)
    held, stopping = not_ready(files, problems)
    if stopping or (held and not withhold):
        return files, problems
    if held:
        files = files.without_languages(held)
        problems = startup_problems(files, context)
        if problems:
            return files, problems
        for code, found in held.items():
            log.warning("language %s is withheld from callers until it is ready (%d problem%s): %s", code,
                        len(found), "" if len(found) == 1 else "s", found[0])
    voiced = [(code, prompt) for code, prompt in files.stale if files.config.language(code).speaks]
    for code, prompt in voiced:
        log.warning("the %s recording of %s says other words than its prompt: the prompt is spoken instead",
                    code, prompt)
    return (files.without_recordings(voiced) if voiced else files), []


@dataclass(frozen=True)
class Checked:
    """The line's files, read and held to the START rules (``problems``: empty when it may start)."""
    files: LineFiles
    problems: list[str]


def load(root: Path, config_path: Path, strict: bool = True, drafts: bool = False,
         withhold: bool = True) -> Checked:
    """Read the line's files and hold them to the START rules; ``strict``: a ConfigError if any
    is broken (each problem names its language, file or key). A language other than the first
    that is not ready is withheld from callers, unless ``withhold`` is false (the translators'
    tools, which show every language as it is)."""
    files, problems = startup(line_files.read(root, config_path), drafts=drafts, withhold=withhold)
    if problems and strict:
        raise ConfigError(None, problems)
    return Checked(files, problems)


def check(files: LineFiles, live: bool, context: Context | None = None) -> Findings:
    """The CHECK rules (and with ``live`` the LIVE ones) of a line that starts: problems and warnings."""
    context = context or Context()
    found = Findings()
    for rule in RULES:
        severity = rule.live if live and rule.live else rule.severity
        if severity is START or (severity is LIVE and not live):
            continue
        (found.warnings if severity is WARN else found.problems).extend(rule.find(files, context))
    return found


def account_from_environment(config, http_client=None) -> Callable[[], Any]:
    """`check --live`'s view of the Twilio account, with the credentials of the environment."""
    from . import go_live, twilio_number

    def read():
        try:
            return go_live.check_account(twilio_number.client_from(os.environ, http_client), config)
        except twilio_number.NumberError as error:
            return go_live.AccountCheck(problems=[f"the Twilio account was not checked (the text sender, the "
                                                  f"fallback URL): {error}"])
    return read
