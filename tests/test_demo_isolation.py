"""The demo app (issue #13) may import every app, but no production module imports it: the
product runs without the synthetic data, and only `manage.py seed_demo` loads it."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = [
    "accounts",
    "common",
    "config",
    "modules",
    "privacy",
    "referrals",
    "rehab",
    "reporting",
]


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_production_module_imports_demo():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in PRODUCTION
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imported_modules(path)
        if name == "demo" or name.startswith("demo.")
    ]
    assert offenders == []


def test_serving_the_product_loads_no_demo_code():
    """Django imports the app and its AppConfig; the command and the data only on demand."""
    code = (
        "import sys, django; django.setup(); from django.urls import get_resolver; "
        "get_resolver().url_patterns; "
        "print(sorted(m for m in sys.modules if m == 'demo' or m.startswith('demo.')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['demo', 'demo.apps']"
