"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from support.events import load_event, reply_json

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: Variables the README documents for the test suite, not for the library.
TEST_VARIABLES = {"FAAS_BRIDGE_EVENTS": ROOT / "tests" / "support" / "events.py"}


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def block_defining(marker: str) -> str:
    matches = [block for block in python_blocks() if marker in block]
    assert len(matches) == 1, f"expected one README block with {marker!r}"
    return matches[0]


def run_block(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    return namespace


def get(handler: Any, path: str, query: str = "") -> Any:
    event = load_event("aws-apigw-v2/get-root.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    reply = handler(event, None)
    assert reply["statusCode"] == 200
    return reply_json(reply)


def test_flask_example() -> None:
    namespace = run_block(block_defining('@app.get("/hello/<name>")'))
    assert get(namespace["handler"], "/hello/ada") == {"hello": "ada"}


def test_fastapi_example() -> None:
    namespace = run_block(block_defining("FastAPI()"))
    assert get(namespace["handler"], "/items/7", "q=x") == {"item_id": 7, "q": "x"}


def test_event_access_example() -> None:
    namespace = run_block(block_defining('@app.get("/hello/<name>")'))
    app = namespace["app"]
    exec(compile(block_defining("/whoami"), str(README), "exec"), {"app": app})
    assert get(namespace["handler"], "/whoami") == {"account": "123456789012"}


def test_every_documented_variable_is_read() -> None:
    source = (ROOT / "src" / "faas_bridge").rglob("*.py")
    text = "".join(path.read_text() for path in source)
    documented = set(re.findall(r"`(FAAS_BRIDGE_[A-Z_]+)`", README.read_text()))
    assert "FAAS_BRIDGE_APP" in documented
    missing = {name for name in documented - set(TEST_VARIABLES) if name not in text}
    assert missing == set()
    for name, reader in TEST_VARIABLES.items():
        assert name not in text  # the library never reads the tests' variables
        assert f'"{name}"' in reader.read_text()


def test_the_tests_need_nothing_beside_the_repository() -> None:
    """The README's test paragraph names the repository's own samples, which exist."""
    text = README.read_text(encoding="utf-8")
    assert "`tests/samples/`" in text
    samples = ROOT / "tests" / "samples"
    assert any(samples.glob("*/*.json"))
    for readme in [README, *sorted(ROOT.glob("examples/*/README.md"))]:
        prose = readme.read_text(encoding="utf-8")
        assert "../shared" not in prose and "shared/events" not in prose, readme
        assert "/work/" not in prose, readme
