"""The menu file: broken menus are refused at start, naming the node."""
import pytest
import yaml

from ivr import create_app
from ivr.callflow import graph
from ivr.files import ConfigError

from ..conftest import ROOT, line_settings, make_root


def shipped() -> dict:
    return yaml.safe_load((ROOT / "prompts" / "menu.yaml").read_text())


def problems_with(tmp_path, change) -> list[str]:
    menu = shipped()
    change(menu)
    path = tmp_path / "menu.yaml"
    path.write_text(yaml.safe_dump(menu))
    with pytest.raises(ConfigError) as caught:
        graph.load(path)
    return caught.value.problems


def test_the_shipped_menu_loads_with_parents_from_the_graph():
    menu = graph.load(ROOT / "prompts" / "menu.yaml")
    assert menu.start == "main"
    assert [o.key for o in menu.nodes["main"].options] == ["1", "2", "3", "4"]
    assert menu.nodes["text_me"].needs == "texting" and menu.nodes["text_me"].options[0].do == "send_text"
    assert menu.nodes["advice_photos"].parent == "advice"
    assert menu.nodes["advice"].parent == "main"
    assert menu.nodes["main"].parent is None
    assert dict(menu.every_node) == {"speak_to_someone": "0", "repeat": "*", "back": "#", "slower": "9"}


def six_options(menu):
    menu["nodes"]["main"]["options"].append({"key": "5", "say": "option.what_is", "go": "extra5"})
    menu["nodes"]["extra5"] = {"say": "content.what_is"}


@pytest.mark.parametrize("change, words", [
    (six_options, "nodes.main.options: 5 options plus \"speak to someone\" is more than 5"),
    (lambda m: m["nodes"]["main"]["options"][0].update(go="nowhere"), "nodes.main.options[0].go: 'nowhere' is not a node"),
    (lambda m: m["nodes"].update(orphan={"say": "content.what_is"}), "nodes.orphan: cannot be reached from 'main'"),
    (lambda m: m["nodes"]["main"]["options"][1].update(key="1"), "nodes.main.options[1].key: '1' is used twice"),
    (lambda m: m["nodes"]["main"]["options"][1].update(key="0"), "is already used on every node"),
    (lambda m: m["nodes"]["main"]["options"][1].update(key="A"), "is not a key on a phone keypad"),
    (lambda m: m["nodes"]["what_is"].pop("say"), "nodes.what_is.say: a message needs the prompt it says"),
    (lambda m: m["nodes"].update(language={"say": "content.what_is"}), "nodes.language: the name 'language' is kept"),
    (lambda m: m["nodes"]["advice"]["options"][0].update(go="what_is"), "'what_is' is already reached from"),
    (lambda m: m.update(start="home"), "start: 'home' is not a node"),
    (lambda m: m["every_node"].pop("back"), "every_node.back: is missing"),
    (lambda m: m["every_node"].pop("speak_to_someone"), "every_node.speak_to_someone: is missing; every node needs it"),
    (lambda m: m["nodes"]["text_me"]["options"][0].update(do="call_mum"), "must be one of send_text"),
    (lambda m: m["nodes"]["text_me"].update(needs="magic"), "nodes.text_me.needs: 'magic' must be one of texting"),
])
def test_a_broken_menu_is_refused_naming_the_node(tmp_path, change, words):
    problems = problems_with(tmp_path, change)
    assert any(words in p for p in problems), problems


def start(root):
    with pytest.raises(ConfigError) as caught:
        create_app({"IVR_ROOT": root, "IVR_CONFIG": root / "line.yaml", "TWILIO_AUTH_TOKEN": "x"})
    return caught.value.problems


def test_a_menu_prompt_missing_from_the_english_source_is_refused(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    menu = yaml.safe_load((root / "prompts" / "menu.yaml").read_text())
    menu["nodes"]["what_is"]["say"] = "content.not_written_yet"
    (root / "prompts" / "menu.yaml").write_text(yaml.safe_dump(menu))
    assert "prompts/en.yaml: content.not_written_yet: is needed by the line but missing" in start(root)


def test_a_prompt_with_an_unknown_placeholder_is_refused(tmp_path):
    root = make_root(tmp_path / "line", line_settings())
    source = (root / "prompts" / "en.yaml").read_text().replace("on {childline}", "on {samaritans}")
    (root / "prompts" / "en.yaml").write_text(source)
    assert any("{samaritans} is not a number or link in line.yaml" in p for p in start(root))


def test_the_towns_of_every_later_area_question_can_be_said_on_the_first(tmp_path):
    """Menu.areas_below (found by mutation testing): the areas of each question the first one
    leads to, however many, become words the caller may say at once; none of the first's own."""
    menu = shipped()
    menu["nodes"]["area"]["options"][2] = {"key": "3", "say": "option.area_western", "go": "area_west"}
    menu["nodes"]["area_west"] = {"say": "area.question", "options": [
        {"key": "1", "say": "option.area_western", "area": "western"}]}
    path = tmp_path / "menu.yaml"
    path.write_text(yaml.safe_dump(menu))
    loaded = graph.load(path)
    assert sorted(option.area for option in loaded.areas_below("area")) == ["south_eastern", "southern", "western"]
    assert loaded.areas_below("area_south_east") == [] and loaded.areas_below("area_west") == []
