"""faas.yml aliases: shared values load, an alias bomb is refused at once with file and line.

A YAML alias repeats the anchored value; nested, nine of them nine deep stand
for 9**9 values in a 342-byte file ("billion laughs"). ``yaml.safe_load``
shares the repeated objects and stays cheap; faas.yml's line-marking loader
walks each repetition to know every key's line, so it must stop counting
long before that.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from faas_bridge.config import ALIAS_BUDGET, ConfigFileError, load_config

LEVELS = "abcdefghi"


def laughs(levels: str = LEVELS, width: int = 9) -> str:
    """Each level an anchored list of ``width`` aliases of the one before."""
    first = "[" + ",".join(['"lol"'] * width) + "]"
    lines = [f"{levels[0]}: &{levels[0]} {first}"]
    for before, level in itertools.pairwise(levels):
        lines.append(f"{level}: &{level} [" + ",".join([f"*{before}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_as_small_as_the_issue_says() -> None:
    text = laughs()
    assert len(text.encode()) < 400
    import yaml

    began = time.perf_counter()
    data = yaml.safe_load(text)  # the standard loader shares the lists: cheap
    assert time.perf_counter() - began < 1
    assert len(data["i"]) == 9 and data["i"][0] is data["h"]


def test_a_billion_laughs_is_refused_quickly_with_file_and_line(tmp_path: Path) -> None:
    """Run apart, under a memory cap: the unbounded loader took 22 s and 1.5 GB here."""
    path = tmp_path / "faas.yml"
    path.write_text(laughs())
    script = textwrap.dedent(
        """
        import resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from faas_bridge.config import ConfigFileError, load_config
        began = time.perf_counter()
        try:
            load_config(sys.argv[1])
        except ConfigFileError as exc:
            print(f"{time.perf_counter() - began:.3f}")
            print(exc)
        else:
            print("loaded")
        """
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("faas.yml's loader still expanded the aliases after 10 s")
    assert result.returncode == 0, result.stderr[-2000:]
    seconds, message = result.stdout.splitlines()
    assert float(seconds) < 0.5
    line, alias = first_past_budget()
    assert message.startswith(f"{path}:{line}: the alias *{alias} "), message
    assert str(ALIAS_BUDGET) in message


def first_past_budget(width: int = 9) -> tuple[int, str]:
    """The line and alias at which the values stood for pass the budget, counted by hand.

    Level a is a list of ``width`` texts: ``width + 1`` values with the list.
    Each later level holds ``width`` aliases of the one before, each standing
    for all of that level's values.
    """
    total, size = 0, width + 1
    for line, (before, _) in enumerate(itertools.pairwise(LEVELS), start=2):
        for _ in range(width):
            total += size
            if total > ALIAS_BUDGET:
                return line, before
        size = 1 + width * size
    raise AssertionError("the bomb is too small for the budget")


def test_the_budget_counts_values_not_aliases(tmp_path: Path) -> None:
    """Two wide levels: few aliases, each standing for many values."""
    path = tmp_path / "faas.yml"
    width = 120  # 120 aliases of 121 values each: 14,520 values > the budget
    path.write_text(laughs("ab", width))
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert caught.value.line == 2
    assert caught.value.file == str(path)


def test_a_recursive_alias_is_still_named(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text("app: a:b\nfunctions:\n  web:\n    routes: &r [*r]\n")
    with pytest.raises(ConfigFileError, match="a recursive alias"):
        load_config(path)


def test_a_few_harmless_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text(
        textwrap.dedent(
            """\
            app: support.faasyml_apps:web_app
            options: &common
              lifespan: "off"
              deadline_margin: 1.5
              text_types: &ndjson [application/x-ndjson]
            functions:
              web:
                routes: &web_routes [/, /notes/*]
                options:
                  <<: *common
                  deadline_margin: 0.25
              api:
                routes: [/api/*]
                options: *common
              admin:
                routes: [/admin/*]
                options: {text_types: *ndjson}
            """
        )
    )
    config = load_config(path)
    web, api, admin = (config.functions[name] for name in ("web", "api", "admin"))
    assert [route.text for route in web.routes or ()] == ["/", "/notes/*"]
    assert config.options_for(web, {}).deadline_margin == 0.25
    assert config.options_for(web, {}).lifespan == "off"
    assert config.options_for(api, {}).deadline_margin == 1.5
    assert config.options_for(admin, {}).text_types == ("application/x-ndjson",)


def test_many_values_just_under_the_budget_load(tmp_path: Path) -> None:
    """The budget refuses bombs, not large files sharing a list many times."""
    routes = ", ".join(f"/r{n}/*" for n in range(9))  # 10 values with the list itself
    uses = ALIAS_BUDGET // 10
    functions = "".join(f"  f{n}:\n    routes: *shared\n" for n in range(uses))
    path = tmp_path / "faas.yml"
    path.write_text(f"shared_routes: &shared [{routes}]\nfunctions:\n{functions}")
    with pytest.raises(ConfigFileError, match="shared_routes: unknown key"):
        load_config(path)  # every alias expanded; only the validator objects


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("app: 2001-13-45\n", 1, "month must be in 1..12"),  # a YAML timestamp, not a date
        ('functions:\n  web:\n    app: !!binary "zz"\n', 3, "failed to decode base64"),
        ("app: !!python/name:os.system\n", 1, "could not determine a constructor"),
        ("options:\n  <<: 5\n", 2, "expected a mapping or list of mappings for merging"),
        ("options:\n  lifespan: !!int x\n", 2, "invalid literal for int()"),
    ],
)
def test_a_value_yaml_cannot_construct_is_a_config_error_with_its_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    """PyYAML's own errors (ValueError among them) become faas.yml errors, never escape."""
    path = tmp_path / "faas.yml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert caught.value.line == line, str(caught.value)
    assert problem in caught.value.problem


def test_values_nested_too_deep_are_refused_at_their_line(tmp_path: Path) -> None:
    """5,000 brackets ran PyYAML's composer out of stack (RecursionError escaped)."""
    path = tmp_path / "faas.yml"
    path.write_text("app: " + "[\n" * 5000 + "x" + "]" * 5000 + "\n")
    with pytest.raises(ConfigFileError, match="nested more than 64 deep") as caught:
        load_config(path)
    # The top mapping is the first level and the list opened on line k the
    # (k + 1)th: the 65th, one too many, is opened on line 64.
    assert caught.value.line == 64


def test_aliases_inside_aliases_cannot_nest_past_the_limit_either(tmp_path: Path) -> None:
    """Each level 60 lists deep around an alias of the one before: 720 deep in all,
    within the alias budget (about 4,000 values), and past Python's stack when built."""
    depth, levels = 60, "abcdefghijkl"
    lines = [f"{levels[0]}: &{levels[0]} " + "[" * depth + "x" + "]" * depth]
    for before, level in itertools.pairwise(levels):
        lines.append(f"{level}: &{level} " + "[" * depth + f"*{before}" + "]" * depth)
    path = tmp_path / "faas.yml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigFileError, match="nested more than 64 deep"):
        load_config(path)
