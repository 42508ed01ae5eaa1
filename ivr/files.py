"""Reading the line's own YAML files (line.yaml, the menu, the English prompts, manifests), and the
error every reader raises when the files cannot be used: one line per problem, naming its place."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """The line's files are not usable; ``problems`` holds one line per problem, and ``lines()``
    the same, each naming the file (``source``) where the problem does not name its own place."""

    def __init__(self, source: str | None, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {problem}" if self.source else problem for problem in self.problems]


# libyaml's parser when PyYAML was built with it (the wheels are): the same safe loading, several
# times faster, which matters at every start (line.yaml, the menu, the English prompts, manifests).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml's parser when there is one."""
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: str | Path) -> Any:
    """A YAML file of the line's, or a ConfigError saying why not."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        return load_yaml(text)
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["is not UTF-8 text: save it as UTF-8"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(str(path), [f"is not valid YAML{where}: {what}"]) from None
    except ValueError as exc:   # (YAML reads an unquoted 2026-02-30 as a date, and Python refuses it)
        raise ConfigError(str(path), [f"{_impossible_date(text)}: is not a date that exists ({exc})"]) from None


def _impossible_date(text: str) -> str:
    """Where the first unquoted date or time of ``text`` that does not exist is: its key, and line."""
    def walk(node, where: str) -> str | None:
        if isinstance(node, yaml.MappingNode):
            return next(filter(None, (walk(value, f"{where}.{key.value}".lstrip(".")) for key, value in node.value)),
                        None)
        if isinstance(node, yaml.SequenceNode):
            return next(filter(None, (walk(item, f"{where}[{n}]") for n, item in enumerate(node.value))), None)
        try:
            if node.tag == "tag:yaml.org,2002:timestamp":
                load_yaml(node.value)
        except ValueError:
            return f"{where} (line {node.start_mark.line + 1}): {node.value}"
        return None
    return walk(yaml.compose(text, Loader=SAFE_LOADER), "") or "a date"
