"""Options from keyword arguments and from FAAS_BRIDGE_* variables."""

from __future__ import annotations

import pytest

from faas_bridge import ConfigurationError
from faas_bridge.options import DEFAULT_WARMUP, Options


def test_from_environ_reads_every_variable() -> None:
    options = Options.from_environ(
        {
            "FAAS_BRIDGE_BASE_PATH": "/v1/",
            "FAAS_BRIDGE_TEXT_TYPES": "application/x-custom, application/vnd.thing",
            "FAAS_BRIDGE_PLATFORM": "aws-alb",
            "FAAS_BRIDGE_INTERFACE": "asgi",
            "FAAS_BRIDGE_LIFESPAN": "off",
            "FAAS_BRIDGE_DEADLINE_MARGIN": "1.5",
            "FAAS_BRIDGE_SHUTDOWN_TIMEOUT": "0.25",
            "FAAS_BRIDGE_WARMUP": "warmer=true,detail.kind=ping",
        }
    )
    assert options.base_path == "/v1"
    assert options.is_text("application/x-custom; charset=utf-8")
    assert options.is_text("application/vnd.thing")
    assert not options.is_text("application/octet-stream")
    assert (options.platform, options.interface, options.lifespan) == ("aws-alb", "asgi", "off")
    assert (options.deadline_margin, options.shutdown_timeout) == (1.5, 0.25)
    assert options.warmup == (*DEFAULT_WARMUP, "warmer=true", "detail.kind=ping")


def test_defaults() -> None:
    options = Options.from_environ({})
    assert options == Options()
    assert (options.base_path, options.lifespan, options.warmup) == ("", "auto", DEFAULT_WARMUP)


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
        "warmup=('source=serverless-plugin-warmup',), trusted_proxy_hops=0)"
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
