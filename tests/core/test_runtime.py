"""One service style (core/runtime.py): services take a Session, workflows take a Runtime, never both,
and a runtime is always passed as a typed `Runtime`."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CHECKED = ("core", "cli", "ui", "pages", "demo", "benchmarks")


def _annotation(arg: ast.arg) -> str:
    return ast.unparse(arg.annotation) if arg.annotation is not None else ""


def _style_problems(source: str, where: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        annotations = {_annotation(arg).split(".")[-1] for arg in args}
        for arg in args:
            if arg.arg == "runtime" and _annotation(arg).split(".")[-1] != "Runtime":
                problems.append(f"{where}:{node.lineno} {node.name}(): `runtime` is not annotated as Runtime")
        if {"Session", "Runtime"} <= annotations:
            problems.append(f"{where}:{node.lineno} {node.name}() takes both a Session and a Runtime")
    return problems


def test_services_take_a_session_and_workflows_a_typed_runtime():
    problems = [
        problem
        for folder in CHECKED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in _style_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not problems, "\n".join(problems)


def test_the_check_sees_both_kinds_of_breach():
    sample = (
        "def untyped(runtime, store_id: int) -> None: ...\n"
        "def mixed(session: Session, runtime: Runtime) -> None: ...\n"
        "def service(session: Session, vault: Vault) -> None: ...\n"
        "def workflow(runtime: core.runtime.Runtime) -> None: ...\n"
    )
    assert _style_problems(sample, "sample.py") == [
        "sample.py:1 untyped(): `runtime` is not annotated as Runtime",
        "sample.py:2 mixed() takes both a Session and a Runtime",
    ]
