"""The test suite's own layout (CONTRIBUTING.md): helpers in ``tests/support``, fixtures in
``conftest.py``, and no test module imported by another module, so that each test file can be
read, run and deleted on its own."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imports_of_test_modules(path: Path) -> list[str]:
    """The ``tests.test_*`` modules that ``path`` imports, however it spells the import."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [name for name in names if name.split(".")[:2][-1].startswith("test_")]
    return found


def test_no_module_imports_a_test_module() -> None:
    offenders = {
        str(path.relative_to(TESTS)): imports_of_test_modules(path)
        for path in TESTS.rglob("*.py")
        if imports_of_test_modules(path)
    }
    assert offenders == {}


def test_the_check_sees_each_way_of_importing_a_test_module(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import tests.test_oauth\n"
        "from tests.test_http_server import free_port\n"
        "from tests import test_faults_postgres\n"
        "from tests.support.oauth import install\n"
    )
    assert imports_of_test_modules(module) == [
        "tests.test_oauth",
        "tests.test_http_server",
        "tests.test_http_server.free_port",
        "tests.test_faults_postgres",
    ]
