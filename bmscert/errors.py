"""Errors bmscert raises about itself, and the exit codes they map to.

The style guide draws three families of error, and each has its own exit code so a CI job
can tell them apart:

- the target is wrong: not an exception at all; checks record failures and the run exits
  with ``ExitCode.CHECKS_FAILED``;
- the harness or its configuration is wrong (``ConfigError``): an unknown profile key, a
  missing file, a fault name that does not exist;
- the environment blocks the run (``EnvironmentBlocked``): an unreachable target, a port
  already in use, a credential the environment does not provide, a clock too far from the
  target's for AK/SK signatures;
- the credentials are wrong (``CredentialError``): a malformed token or key, an IAM login or
  an AK/SK pair the target refuses. It has its own code because the fix is neither in the
  profile nor in the environment's plumbing but in the secret itself.

Every message is a single line that names what to fix; the CLI prints it without a
traceback.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECKS_FAILED = 1
    USAGE = 2
    CONFIG = 3
    ENVIRONMENT = 4
    HARNESS = 5
    CREDENTIALS = 6
    INTERRUPTED = 130


class BmscertError(Exception):
    """Base of the errors that end a command with a one-line message."""

    exit_code = ExitCode.HARNESS


class ConfigError(BmscertError):
    """The profile, the catalogue or a command-line value is wrong."""

    exit_code = ExitCode.CONFIG


class EnvironmentBlocked(BmscertError):
    """Something outside bmscert prevents the run: network, ports, credentials."""

    exit_code = ExitCode.ENVIRONMENT


class HarnessFailure(BmscertError):
    """A phase of the run broke for a reason that is neither the target nor the profile."""

    exit_code = ExitCode.HARNESS


class CredentialError(BmscertError):
    """A credential is malformed or the target refuses it; the message never holds it."""

    exit_code = ExitCode.CREDENTIALS
