"""Credentials come from the environment or a credentials file; a bad one is one line that
names where it came from and never shows it."""

import pytest

from bmscert.core.auth import AkSkAuth, IamTokenAuth, TokenAuth, authorizer_for
from bmscert.core.credentials import AuthSettings, read_secrets
from bmscert.core.profile import Profile
from bmscert.errors import ConfigError, CredentialError, EnvironmentBlocked

SECRET = "s3cr3t-value-that-must-not-show"


def _profile(**auth):
    return Profile(
        name="p",
        source="p.yaml",
        kind="remote",
        endpoints={"bms": "http://127.0.0.1:1", "iam": "http://127.0.0.1:2"},
        project_id="p1",
        other_project_id="p2",
        auth=AuthSettings(**auth),
    )


def test_each_identity_reads_its_own_variables():
    environ = {"BMSCERT_TOKEN": "main-token", "BMSCERT_OTHER_TOKEN": "other-token"}
    assert read_secrets(AuthSettings(), "main", environ).token == "main-token"
    assert read_secrets(AuthSettings(), "other", environ).token == "other-token"
    assert read_secrets(AuthSettings(), "peer", environ).token == ""


def test_a_ready_token_is_sent_as_it_is_and_a_password_means_an_iam_login():
    ready = authorizer_for(_profile(), environ={"BMSCERT_TOKEN": "t0ken-value"})
    login = authorizer_for(
        _profile(),
        environ={
            "BMSCERT_IAM_USER": "u",
            "BMSCERT_IAM_PASSWORD": SECRET,
            "BMSCERT_IAM_DOMAIN": "d",
        },
    )
    assert isinstance(ready, TokenAuth)
    assert isinstance(login, IamTokenAuth)
    assert SECRET in login.secrets()


def test_aksk_needs_both_keys_and_says_which_variable_is_missing():
    with pytest.raises(EnvironmentBlocked, match="BMSCERT_SECRET_KEY is not set"):
        authorizer_for(_profile(method="aksk"), environ={"BMSCERT_ACCESS_KEY": "AK1"})
    signer = authorizer_for(
        _profile(method="aksk"),
        environ={"BMSCERT_ACCESS_KEY": "AK1", "BMSCERT_SECRET_KEY": SECRET},
    )
    assert isinstance(signer, AkSkAuth)


def test_a_missing_token_names_both_ways_to_give_one():
    with pytest.raises(EnvironmentBlocked) as error:
        authorizer_for(_profile(), environ={})
    assert "BMSCERT_TOKEN" in str(error.value)
    assert "BMSCERT_IAM_PASSWORD" in str(error.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BMSCERT_TOKEN", f"two words {SECRET}"),
        ("BMSCERT_ACCESS_KEY", f"AK/{SECRET}"),
        ("BMSCERT_SECRET_KEY", f"{SECRET}\tx"),
        ("BMSCERT_IAM_PASSWORD", f"{SECRET}\nsecond line"),
    ],
)
def test_a_malformed_credential_names_its_variable_but_never_its_value(variable, value):
    with pytest.raises(CredentialError) as error:
        read_secrets(AuthSettings(), "main", {variable: value})
    assert variable in str(error.value)
    assert SECRET not in str(error.value)
    assert "\n" not in str(error.value)


def test_a_credentials_file_replaces_the_environment(tmp_path):
    path = tmp_path / "creds.yaml"
    path.write_text(f"main: {{access_key: AKFILE, secret_key: {SECRET}}}\n", encoding="utf-8")
    auth = AuthSettings(method="aksk", credentials_file=str(path))
    secrets = read_secrets(auth, "main", {"BMSCERT_ACCESS_KEY": "AKENV"})
    assert (secrets.access_key, secrets.secret_key) == ("AKFILE", SECRET)


def test_a_credentials_file_with_an_unknown_key_is_one_line_without_values(tmp_path):
    path = tmp_path / "creds.yaml"
    path.write_text(f"main: {{acces_key: {SECRET}}}\n", encoding="utf-8")
    with pytest.raises(CredentialError, match=r"unknown key main\.acces_key") as error:
        read_secrets(AuthSettings(credentials_file=str(path)), "main", {})
    assert SECRET not in str(error.value)


def test_a_missing_credentials_file_is_a_profile_error(tmp_path):
    auth = AuthSettings(credentials_file=str(tmp_path / "absent.yaml"))
    with pytest.raises(ConfigError, match=r"absent\.yaml does not exist"):
        read_secrets(auth, "main", {})
