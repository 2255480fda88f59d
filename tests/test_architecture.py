"""core/ must stay free of streamlit, so the CLI and tests can use every rule without a UI."""
import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module"):
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def test_core_never_imports_streamlit():
    offenders = {
        str(path.relative_to(CORE.parent)): sorted(n for n in _imported_modules(path) if n == "streamlit" or n.startswith("streamlit."))
        for path in CORE.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"core/ must not import streamlit: {offenders}"


def test_the_check_sees_an_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from streamlit import session_state\n    import importlib; importlib.import_module('streamlit.runtime')\n")
    assert {"streamlit", "streamlit.runtime"} <= _imported_modules(sample)
