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
