"""Profiles: defaults, and one clear line for every kind of bad profile."""

import pytest

from bmscert.core.profile import Profile, load_profile
from bmscert.errors import ConfigError
from bmscert.paths import fixtures_dir


def _write(tmp_path, text):
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


REMOTE = """
name: r
target:
  kind: remote
  endpoints: {bms: "https://bms.example.invalid"}
  project_id: p1
"""


def test_the_shipped_profiles_load():
    embedded = load_profile(fixtures_dir() / "embedded.yaml")
    example = load_profile(fixtures_dir() / "example-region.yaml")
    assert embedded.is_embedded
    assert embedded.throttle_probe
    assert not example.is_embedded
    assert example.safety_allow == ("readonly",)


def test_a_remote_profile_defaults_to_read_only_without_probe(tmp_path):
    profile = load_profile(_write(tmp_path, REMOTE))
    assert profile.safety_allow == ("readonly",)
    assert profile.throttle_probe is False
    assert profile.behaviours["unknown_server"] == "bms-0040-400"


def test_a_profile_survives_the_trip_to_another_process(tmp_path):
    profile = load_profile(_write(tmp_path, REMOTE))
    assert Profile.from_json(profile.to_json()) == profile


def test_an_unknown_key_is_named_with_the_allowed_ones(tmp_path):
    path = _write(tmp_path, REMOTE + "colour: blue\n")
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "unknown key colour" in message
    assert "allowed:" in message
    assert "\n" not in message


def test_an_unknown_key_inside_the_target_is_named(tmp_path):
    path = _write(tmp_path, REMOTE.replace("project_id: p1", "project_id: p1\n  zone: x"))
    with pytest.raises(ConfigError, match="unknown key zone at target"):
        load_profile(path)


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        load_profile(tmp_path / "nope.yaml")


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_profile(_write(tmp_path, "name: [unclosed\n"))


def test_a_bad_target_kind_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"target\.kind must be"):
        load_profile(_write(tmp_path, "name: x\ntarget: {kind: cloudy}\n"))


def test_an_unknown_behaviour_value_lists_the_choices(tmp_path):
    path = _write(tmp_path, REMOTE + "behaviours: {unknown_server: maybe}\n")
    with pytest.raises(ConfigError, match="choose one of: bms-0040-400, not-found-404"):
        load_profile(path)


def test_job_settings_and_build_resources_are_read(tmp_path):
    text = (
        "name: e\n"
        "target: {kind: embedded, job_seconds: {create: 4, stop: 0.5}, job_failure_rate: 0.1}\n"
        "jobs: {poll_seconds: 0.5, timeout_minutes: 2}\n"
        "resources: {volume_id: 8c2a5d1e-0b7f-4c3d-9e6a-1f2b3c4d5e6f, flavor_id: physical.x}\n"
    )
    profile = load_profile(_write(tmp_path, text))
    assert profile.job_seconds == {"create": 4, "stop": 0.5}
    assert (profile.job_failure_rate, profile.job_poll_seconds) == (0.1, 0.5)
    assert profile.job_timeout_seconds == 120
    assert profile.resources["flavor_id"] == "physical.x"


def test_a_resource_id_that_is_not_a_uuid_is_named_in_one_line(tmp_path):
    path = _write(tmp_path, REMOTE + "resources: {server_id: my-server}\n")
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "resources.server_id must be a UUID" in message
    assert "'my-server'" in message
    assert "\n" not in message


def test_an_unknown_kind_of_job_is_refused(tmp_path):
    path = _write(tmp_path, "name: e\ntarget: {kind: embedded, job_seconds: {boot: 1}}\n")
    with pytest.raises(ConfigError, match="job_seconds"):
        load_profile(path)


def test_a_profile_asking_for_both_auth_methods_gets_one_line(tmp_path):
    path = _write(tmp_path, REMOTE + "auth: {method: [token, aksk]}\n")
    with pytest.raises(ConfigError, match="asks for both auth methods") as error:
        load_profile(path)
    assert "\n" not in str(error.value)


def test_the_auth_section_names_where_secrets_are_never_the_secrets(tmp_path):
    text = REMOTE + "auth: {method: aksk, env_prefix: ACME, credentials_file: creds.yaml}\n"
    profile = load_profile(_write(tmp_path, text))
    assert profile.auth.method == "aksk"
    assert profile.auth.variable("other", "secret_key") == "ACME_OTHER_SECRET_KEY"
    assert profile.auth.credentials_file == str(tmp_path / "creds.yaml")
    assert Profile.from_json(profile.to_json()) == profile


def test_mutating_suites_against_a_remote_host_need_an_explicit_yes(tmp_path):
    text = REMOTE + "safety: {allow: [readonly, mutating]}\n"
    with pytest.raises(ConfigError, match=r"safety\.mutate_non_loopback: true"):
        load_profile(_write(tmp_path, text))
    confirmed = text.replace("mutating]}", "mutating], mutate_non_loopback: true}")
    assert "mutating" in load_profile(_write(tmp_path, confirmed)).safety_allow


def test_mutating_suites_against_loopback_need_no_confirmation(tmp_path):
    text = REMOTE.replace("https://bms.example.invalid", "http://127.0.0.1:8000")
    profile = load_profile(_write(tmp_path, text + "safety: {allow: [destructive]}\n"))
    assert profile.safety_allow == ("destructive",)
