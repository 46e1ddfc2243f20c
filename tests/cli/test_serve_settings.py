"""The reference target's job settings: taken from the command line, or refused in one line."""

import pytest

from bmscert.errors import ExitCode
from tests.helpers import assert_one_clean_error_line, run_bmscert


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("boot=1", "KIND one of create"),
        ("create", "must look like KIND=SECONDS"),
        ("create=soon", "'soon' is not a number"),
        ("create=-1", "cannot be negative"),
    ],
)
def test_a_bad_job_duration_is_refused_in_one_line(value, message):
    result = run_bmscert("serve", "--job-seconds", value)

    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert message in line


def test_a_failure_rate_outside_zero_to_one_is_a_usage_error():
    result = run_bmscert("serve", "--job-failure-rate", "1.5")

    assert result.returncode == ExitCode.USAGE
    assert "not between 0 and 1" in result.stderr
