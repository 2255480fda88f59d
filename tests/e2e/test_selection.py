"""`pytest -m e2e` runs the browser tests and `-m "not e2e"` leaves them out (the marking is in conftest.py)."""
import subprocess
import sys

from tests.e2e.conftest import ROOT

BROWSER_TESTS = {
    "tests/e2e/test_product_mapping.py::test_import_a_mapping_file_then_edit_a_quantity_in_the_grid",
    "tests/e2e/test_store_authorization.py::test_add_store_with_a_hidden_character_then_check_it",
    "tests/e2e/test_troubleshooting.py::test_search_the_faq_then_run_a_diagnosis",
}


def _collected(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_the_e2e_marker_selects_every_browser_test():
    everything = _collected("tests/e2e")
    assert BROWSER_TESTS <= everything
    assert _collected("-m", "e2e", "tests/e2e") == everything


def test_not_e2e_leaves_the_browser_tests_out():
    selected = _collected("-m", "not e2e")
    assert selected and not {test for test in selected if test.startswith("tests/e2e/")}
