"""Secrets are masked by place (headers, body members) and by value (anywhere)."""

import logging

from bmscert.core.redact import MASK, RedactingFilter, Redactor


def test_secret_headers_are_masked_whatever_their_value():
    headers = Redactor().headers({"X-Auth-Token": "abc", "Accept": "application/json"})
    assert headers == {"X-Auth-Token": MASK, "Accept": "application/json"}


def test_secret_body_members_are_masked_at_any_depth():
    body = {"server": {"adminPass": "Hunter2!x", "name": "a", "nics": [{"password": "p"}]}}
    masked = Redactor().body(body)
    assert masked == {"server": {"adminPass": MASK, "name": "a", "nics": [{"password": MASK}]}}


def test_a_known_secret_value_is_masked_inside_any_text():
    redactor = Redactor(["tok-SECRET-1234"])
    assert redactor.text("url?token=tok-SECRET-1234&x=1") == f"url?token={MASK}&x=1"


def test_the_logging_filter_masks_secret_values_in_formatted_messages(caplog):
    logger = logging.getLogger("bmscert.test.redact")
    logger.addFilter(RedactingFilter(Redactor(["tok-SECRET-1234"])))
    with caplog.at_level(logging.INFO, logger="bmscert.test.redact"):
        logger.info("sending %s", "tok-SECRET-1234")
    assert "tok-SECRET-1234" not in caplog.text
    assert MASK in caplog.text
