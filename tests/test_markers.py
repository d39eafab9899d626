"""Every test that starts a browser or serves the app over HTTP carries the `browser` marker,
so that `pytest -m "not browser"` is the quick run (SQLite, no Chromium, no server; under two
minutes) and the marker does not rot as tests are added.

"Starts" is read from the source: a test does if its body, a fixture it asks for (its own
module's, tests/conftest.py's or tests/support/'s, followed through the fixtures those ask for)
or its module's code at top level launches Chromium (Playwright's `sync_playwright`,
`chromium.launch`), drives WebKit (`webdriver`), or serves the app (`LiveServer(`,
`Gunicorn(`, nginx). A loopback SMTP or push service is a fake of someone else's server and
does not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
STARTS = re.compile(
    r"sync_playwright|chromium\.launch|\bwebdriver\b|\bLiveServer\(|\bGunicorn\(|\bnginx\b"
)


def is_fixture(node: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in node.decorator_list)


def marked_browser(decorators: list[ast.expr]) -> bool:
    return any("mark.browser" in ast.unparse(d) for d in decorators)


def functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def code_of(node: ast.FunctionDef) -> str:
    """The function without its docstring (which may name a browser it does not start)."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return "\n".join(ast.unparse(statement) for statement in body)


def fixture_graph(trees: list[ast.Module]) -> dict[str, tuple[bool, set[str]]]:
    """{fixture name: (its own code starts something, the fixtures it asks for)}."""
    graph = {}
    for tree in trees:
        for node in functions(tree):
            if is_fixture(node):
                asks = {a.arg for a in node.args.args}
                graph[node.name] = (bool(STARTS.search(code_of(node))), asks)
    return graph


def starting(graph: dict[str, tuple[bool, set[str]]]) -> set[str]:
    """The fixtures that start something themselves or through a fixture they ask for."""
    found = {name for name, (starts, _) in graph.items() if starts}
    while True:
        more = {name for name, (_, asks) in graph.items() if asks & found} - found
        if not more:
            return found
        found |= more


def unmarked_tests(path: Path, shared: dict[str, tuple[bool, set[str]]]) -> list[str]:
    tree = ast.parse(path.read_text())
    module_marked = any(
        isinstance(n, ast.Assign)
        and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
        and "mark.browser" in ast.unparse(n.value)
        for n in tree.body
    )
    if module_marked:
        return []
    top_level = "\n".join(
        ast.unparse(n)
        for n in tree.body
        if not isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom)
    )
    starters = starting({**shared, **fixture_graph([tree])})
    # Module helpers that start something count for the tests that call them.
    helpers = [n.name for n in functions(tree) if not is_fixture(n) and STARTS.search(code_of(n))]
    missing = []
    for node in functions(tree):
        if not node.name.startswith("test_") or marked_browser(node.decorator_list):
            continue
        code = code_of(node)
        asks = {a.arg for a in node.args.args}
        if (
            STARTS.search(code)
            or asks & starters
            or any(re.search(rf"\b{name}\(", code) for name in helpers)
            or STARTS.search(top_level)
        ):
            missing.append(f"{path.name}::{node.name}")
    return missing


def shared_fixtures() -> dict[str, tuple[bool, set[str]]]:
    sources = [TESTS / "conftest.py", *sorted((TESTS / "support").glob("*.py"))]
    sources += sorted(TESTS.glob("*/conftest.py"))
    return fixture_graph([ast.parse(p.read_text()) for p in sources])


def test_every_test_that_starts_a_browser_or_a_server_is_marked_browser():
    shared = shared_fixtures()
    # The detector knows the fixtures that start a browser and a server.
    assert {"browser", "live_server", "playwright_instance"} <= starting(shared)
    missing = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if path != Path(__file__).resolve():  # this file names the patterns it looks for
            missing += unmarked_tests(path, shared)
    assert missing == [], "add @pytest.mark.browser (or pytestmark) to:\n" + "\n".join(missing)


def test_the_detector_sees_a_browser_started_in_a_test_or_a_fixture(tmp_path):
    shared = shared_fixtures()
    module = tmp_path / "test_example.py"
    module.write_text(
        "import pytest\n"
        "from playwright.sync_api import sync_playwright\n\n"
        "def test_direct():\n"
        "    with sync_playwright() as p:\n"
        "        pass\n\n"
        "def test_through_the_conftest_fixture(browser, live_server):\n"
        "    pass\n\n"
        "@pytest.fixture\n"
        "def served(seeded, tmp_path):\n"
        "    with Gunicorn(seeded, tmp_path) as server:\n"
        "        yield server\n\n"
        "def test_through_a_local_fixture(served):\n"
        "    pass\n\n"
        "@pytest.mark.browser\n"
        "def test_marked(browser):\n"
        "    pass\n\n"
        "def test_plain(client):\n"
        "    pass\n"
    )
    found = {name.split("::")[1] for name in unmarked_tests(module, shared)}
    assert found == {
        "test_direct",
        "test_through_the_conftest_fixture",
        "test_through_a_local_fixture",
    }
