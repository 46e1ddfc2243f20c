"""The reference target on real loopback sockets."""

import socket

import httpx
import pytest

from bmscert.errors import ConfigError, EnvironmentBlocked
from bmscert.target.server import ThreadedTarget, bind
from bmscert.target.settings import TargetSettings
from tests.conftest import TEST_TOKEN


def test_both_endpoints_answer_on_loopback_and_the_info_holds_no_token():
    with ThreadedTarget(TargetSettings(token=TEST_TOKEN)) as running:
        info = running.info
        versions = httpx.get(info["endpoints"]["bms"] + "/")
        missing = httpx.get(info["endpoints"]["ecs"] + "/nothing-here")
    assert versions.status_code == 200
    assert missing.json()["error_code"] == "APIGW.0101"
    assert all(url.startswith("http://127.0.0.1:") for url in info["endpoints"].values())
    assert TEST_TOKEN not in str(info)


def test_a_busy_port_is_an_environment_error_naming_the_flag():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EnvironmentBlocked, match=f"port {port} .* --bms-port"):
            bind("127.0.0.1", port, "--bms-port")


def test_only_loopback_is_served():
    with pytest.raises(ConfigError, match=r"only listens on 127\.0\.0\.1"):
        bind("0.0.0.0", 0, "--bms-port")
