"""Options from keyword arguments and from FAAS_BRIDGE_* variables."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from faas_bridge import ConfigurationError
from faas_bridge.options import Options

README = Path(__file__).resolve().parents[1] / "README.md"

#: For each option a FAAS_BRIDGE_* variable may set: a value other than the
#: default, and what the option must then be. Written here, not read from the
#: code: the README decides which variables exist (``documented_variables``).
SETTINGS: dict[str, tuple[str, Callable[[Options], bool]]] = {
    "base_path": ("/v1/", lambda o: o.base_path == "/v1"),
    "text_types": (
        "application/x-custom, application/vnd.thing",
        lambda o: (
            o.is_text("application/x-custom; charset=utf-8")
            and o.is_text("application/vnd.thing")
            and not o.is_text("application/octet-stream")
        ),
    ),
    "platform": ("aws-alb", lambda o: o.platform == "aws-alb"),
    "interface": ("asgi", lambda o: o.interface == "asgi"),
    "lifespan": ("off", lambda o: o.lifespan == "off"),
    "deadline_margin": ("1.5", lambda o: o.deadline_margin == 1.5),
    "shutdown_timeout": ("0.25", lambda o: o.shutdown_timeout == 0.25),
    # The README's default marker, then the variable's, in order.
    "warmup": (
        "warmer=true,detail.kind=ping",
        lambda o: (
            o.warmup == ("source=serverless-plugin-warmup", "warmer=true", "detail.kind=ping")
        ),
    ),
    "trusted_proxy_hops": ("2", lambda o: o.trusted_proxy_hops == 2),
    "non_http_events": ("accept", lambda o: o.non_http_events == "accept"),
    "underscore_headers": ("keep", lambda o: o.underscore_headers == "keep"),
    "response_stream": ("on", lambda o: o.response_stream is True),
}


def readme_options() -> list[str]:
    """The keyword options of ``wrap()``, as the README's Options section shows it."""
    text = README.read_text(encoding="utf-8")
    signature = re.search(r"```text\nwrap\(app, \*, (.*?)\)\n```", text, re.DOTALL)
    assert signature is not None, "the README's Options section shows wrap()'s signature"
    return re.findall(r"(\w+)=", re.sub(r'"[^"]*"', '""', signature.group(1)))


def documented_variables() -> dict[str, str]:
    """Variable -> option, for every FAAS_BRIDGE_* row of the README that names an option."""
    options = set(readme_options())
    rows = re.findall(r"^\| `FAAS_BRIDGE_(\w+)` \|", README.read_text(encoding="utf-8"), re.M)
    return {f"FAAS_BRIDGE_{row}": row.lower() for row in rows if row.lower() in options}


def test_every_option_has_a_documented_variable() -> None:
    variables = documented_variables()
    assert len(variables) >= 9
    assert set(readme_options()) == set(variables.values())
    assert set(variables.values()) <= set(SETTINGS), "give the new variable a value here"


def test_from_environ_reads_every_variable() -> None:
    variables = documented_variables()
    environ = {variable: SETTINGS[option][0] for variable, option in variables.items()}
    options = Options.from_environ(environ)
    for variable, option in variables.items():
        assert SETTINGS[option][1](options), (variable, environ[variable])


def test_every_other_documented_variable_is_set_by_some_test() -> None:
    """Variables that are no option (the app, faas.yml, the command secret) are
    tested where they act: each appears in a test module besides this one."""
    text = README.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(FAAS_BRIDGE_\w+)` \|", text, re.M))
    others = rows - set(documented_variables())
    assert {"FAAS_BRIDGE_APP", "FAAS_BRIDGE_CONFIG", "FAAS_BRIDGE_FUNCTION"} <= others
    here = Path(__file__).resolve()
    sources = [
        path.read_text(encoding="utf-8") for path in here.parent.rglob("test_*.py") if path != here
    ]
    for variable in sorted(others):
        assert any(variable in source for source in sources), variable


@pytest.mark.parametrize("variable", sorted(documented_variables()))
def test_each_variable_is_read_alone(variable: str) -> None:
    option = documented_variables()[variable]
    value, check = SETTINGS[option]
    assert not check(Options()), "the test value must differ from the default"
    assert check(Options.from_environ({variable: value})), (variable, value)


def test_defaults() -> None:
    options = Options.from_environ({})
    assert options == Options()
    # The README's defaults: serverless-plugin-warmup's payload is the one marker.
    warmup = ("source=serverless-plugin-warmup",)
    assert (options.base_path, options.lifespan, options.warmup) == ("", "auto", warmup)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FAAS_BRIDGE_LIFESPAN": "sometimes"}, "lifespan must be one of 'auto', 'on', 'off'"),
        ({"FAAS_BRIDGE_INTERFACE": "cgi"}, "interface must be one of 'wsgi', 'asgi'"),
        ({"FAAS_BRIDGE_DEADLINE_MARGIN": "soon"}, "FAAS_BRIDGE_DEADLINE_MARGIN must be a number"),
        (
            {"FAAS_BRIDGE_SHUTDOWN_TIMEOUT": "-1"},
            "shutdown_timeout must be a number of seconds >= 0",
        ),
    ],
)
def test_bad_values_name_the_setting(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Options.from_environ(environ)


@pytest.mark.parametrize(
    ("base", "expected"), [("", ""), ("/", ""), ("v1", "/v1"), ("/v1/", "/v1"), (" /a/b ", "/a/b")]
)
def test_base_path_is_normalised(base: str, expected: str) -> None:
    assert Options(base_path=base).base_path == expected


def test_options_are_immutable_values() -> None:
    options = Options(base_path="/v1/", text_types=("application/x-ndjson",))
    with pytest.raises(AttributeError, match="immutable"):
        options.base_path = "/v2"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del options.platform  # type: ignore[misc]
    same = Options(base_path="v1", text_types=("application/x-ndjson",))
    assert options == same and hash(options) == hash(same)
    assert options != Options(base_path="/v1") and options != "not options"
    assert {options, same} == {options}
    assert repr(options) == (
        "Options(base_path='/v1', text_types=('application/x-ndjson',), platform=None, "
        "interface=None, lifespan='auto', deadline_margin=0.5, shutdown_timeout=2.0, "
        "warmup=('source=serverless-plugin-warmup',), trusted_proxy_hops=0, "
        "non_http_events='auto', underscore_headers='drop', response_stream=False)"
    )


def test_replace_makes_a_checked_copy() -> None:
    options = Options(base_path="/v1", lifespan="off")
    moved = options.replace(base_path="api/", trusted_proxy_hops=1)
    assert (moved.base_path, moved.lifespan, moved.trusted_proxy_hops) == ("/api", "off", 1)
    assert options.base_path == "/v1"  # the original is untouched
    assert moved.is_text("application/json") and not moved.is_text("image/png")
    with pytest.raises(ConfigurationError, match="lifespan"):
        options.replace(lifespan="sometimes")
    with pytest.raises(TypeError):
        options.replace(no_such_setting=1)
