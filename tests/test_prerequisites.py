"""A run that skipped tests for want of PostgreSQL, Chromium or LibreOffice says so last and fails (issue 20)."""
from __future__ import annotations

import pytest

from tests.prerequisites import PARTIAL, missing, verdict

NO_PG = missing("PostgreSQL half", "PostgreSQL not installed")
NO_CHROMIUM = missing("browser tests", "Chromium not installed at /usr/bin/chromium")


def test_the_skip_reason_names_what_did_not_run_why_and_what_to_do():
    assert NO_PG == "missing prerequisite: PostgreSQL half not run: PostgreSQL not installed (make deps as root)"


def test_a_full_run_has_no_partial_line_and_passes():
    assert verdict([], allow_partial=False) == (None, False)
    # A test that skips for a reason of its own (not a missing package) does not make the run partial.
    assert verdict(["not on Windows"], allow_partial=False) == (None, False)


def test_a_partial_run_says_what_did_not_run_and_fails():
    line, fails = verdict([NO_PG] * 3 + ["not on Windows", NO_CHROMIUM, NO_PG], allow_partial=False)
    assert fails
    assert line == (f"{PARTIAL}PostgreSQL half not run: PostgreSQL not installed (make deps as root); "
                    "browser tests not run: Chromium not installed at /usr/bin/chromium (make deps as root)"
                    " — 5 tests skipped, so this run fails (ALLOW_PARTIAL=1 accepts a partial run)")


def test_allow_partial_passes_a_partial_run_but_still_calls_it_partial():
    line, fails = verdict([NO_CHROMIUM], allow_partial=True)
    assert not fails
    assert line.startswith(f"{PARTIAL}browser tests not run: Chromium not installed")
    assert line.endswith("1 test skipped, accepted as ALLOW_PARTIAL=1 is set")


# The same through pytest itself: the exit status and the last line of a real (small) run.

# What tests/conftest.py does.
CONFTEST = """
from tests.prerequisites import PartialRun

def pytest_configure(config):
    config.pluginmanager.register(PartialRun(), "partial-run")
"""
INNER = f"""
import pytest

@pytest.fixture(scope="session")
def database():
    pytest.skip({NO_PG!r})

def test_on_sqlite():
    pass

@pytest.mark.parametrize("n", [1, 2])
def test_on_postgresql(database, n):
    pass

def test_on_windows_only():
    pytest.skip("not on Windows")
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("ALLOW_PARTIAL", raising=False)

    def run(source: str, *args: str):
        pytester.makeconftest(CONFTEST)
        pytester.makepyfile(test_inner=source)
        return pytester.runpytest("-p", "no:cacheprovider", *args)

    return run


def test_a_run_that_skipped_for_a_missing_package_ends_with_the_partial_line_and_fails(inner):
    result = inner(INNER)
    result.assert_outcomes(passed=1, skipped=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.outlines[-1] == (f"{PARTIAL}PostgreSQL half not run: PostgreSQL not installed (make deps as root)"
                                   " — 2 tests skipped, so this run fails (ALLOW_PARTIAL=1 accepts a partial run)")


def test_with_allow_partial_it_passes_and_still_ends_with_the_partial_line(inner, monkeypatch):
    monkeypatch.setenv("ALLOW_PARTIAL", "1")
    result = inner(INNER)
    assert result.ret == pytest.ExitCode.OK
    assert result.outlines[-1].startswith(f"{PARTIAL}PostgreSQL half not run")
    assert result.outlines[-1].endswith("accepted as ALLOW_PARTIAL=1 is set")


def test_deselected_tests_do_not_make_a_run_partial(inner):
    # `make check` leaves the PostgreSQL half out with -k: deselected, never set up, not skipped.
    result = inner(INNER, "-k", "not postgresql")
    assert result.ret == pytest.ExitCode.OK
    assert not any(PARTIAL in line for line in result.outlines)
    assert "passed" in result.outlines[-1]


def test_under_ci_every_skip_fails_its_test_and_the_partial_line_still_comes_last(inner, monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("ALLOW_PARTIAL", "1")  # does not excuse a skip under CI
    result = inner(INNER)
    result.assert_outcomes(passed=1, failed=1, errors=2)  # the PostgreSQL tests skipped in their fixture
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.outlines[-1].startswith(f"{PARTIAL}PostgreSQL half not run")
    assert result.outlines[-1].endswith("so this run fails (ALLOW_PARTIAL=1 accepts a partial run)")
