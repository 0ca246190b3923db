"""Dependency hygiene: every third-party import is declared in pyproject.toml, nothing declared is unused,
and the wheel holds what the commands read at run time (the bundled seed files)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN = {"crawler", "spiders", "pipelines", "seeds", "tests", "benchmarks"}
# Declared for a reason other than a direct import; each says why.
USED_WITHOUT_IMPORT = {
    "parsel": "the spider's selectors (response.css / response.xpath return parsel SelectorLists)",
    "lxml_html_clean": "imported by trafilatura's justext as lxml.html.clean; lxml 6 has no extra for it",
    "onnxruntime": "the ocr extra's inference engine, run by rapidocr_onnxruntime (its range is ours to keep)",
}
# Extras users install for optional parts (the code imports them only when that part is used);
# `test` is the test suite's, checked separately.
OPTIONAL = ("ocr",)
SELF = "zwgk"


def _imports(folders: list[str]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in OWN}


def _dist(module: str) -> str:
    dists = importlib.metadata.packages_distributions().get(module)
    assert dists, f"{module} is imported but no installed distribution provides it"
    return _norm(dists[0])


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(group: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_norm(re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0]) for r in reqs}


def test_every_runtime_import_is_declared_and_every_declared_package_is_imported() -> None:
    imported = {_dist(m) for m in _imports(["crawler", "spiders", "pipelines"])}
    declared = _declared(None)
    optional = set().union(*(_declared(g) for g in OPTIONAL))
    assert imported - declared - optional == set(), "imported but not declared in [project.dependencies] or an extra"
    allowed = {_norm(m) for m in USED_WITHOUT_IMPORT}
    assert declared - imported - allowed == set(), "declared but never imported"
    assert optional - imported - allowed == set(), "declared in an extra but never imported"


def test_test_and_benchmark_imports_are_declared() -> None:
    imported = {_dist(m) for m in _imports(["tests", "benchmarks"])}
    extras = set().union(*(_declared(g) for g in OPTIONAL))  # the test extra installs them (zwgk[ocr])
    assert imported - _declared(None) - _declared("test") - extras == set()


def test_every_declared_requirement_has_a_version_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for req in project["dependencies"] + [r for g in project["optional-dependencies"].values() for r in g]:
        if req.startswith(f"{SELF}["):
            continue  # the project's own extras (test = zwgk[ocr] + …)
        assert ">=" in req and "<" in req, f"{req}: give a version range"


def test_bundled_seed_files_resolve_outside_a_checkout(tmp_path: Path, monkeypatch) -> None:
    from crawler.seeds import load_seeds

    monkeypatch.chdir(tmp_path)  # no seeds/ folder here
    seeds = load_seeds(["seeds/demo.yaml"], tokens={"demo": "http://127.0.0.1:8123"})
    assert seeds and all(u.startswith("http://127.0.0.1:8123") for s in seeds for u in s.start_urls)
