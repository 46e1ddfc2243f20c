"""The client signs with the official SDK signer and reproduces the documented vector."""

from datetime import UTC, datetime

from bmscert.core.auth import AkSkAuth, Outgoing, TokenAuth
from bmscert.core.redact import MASK, Redactor

VECTOR_URL = "https://bms.cn-north-4.myhuaweicloud.com/v1/p1/baremetalservers/detail"
VECTOR_SIGNATURE = "9753bee022b9cfc1ad4b6564716dc6fbef0436aae14322f5a8d452a1541ca277"
NEW_YEAR = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


def test_the_signer_reproduces_the_documented_reference_vector():
    signer = AkSkAuth("AKTEST", "SKTEST", "", clock=lambda: NEW_YEAR)

    signed = signer.signed(Outgoing("GET", VECTOR_URL + "?offset=1&limit=10"))

    assert signed.headers["X-Sdk-Date"] == "20240101T000000Z"
    assert signed.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-sdk-date, "
        f"Signature={VECTOR_SIGNATURE}"
    )
    assert signed.url == VECTOR_URL + "?limit=10&offset=1"


def test_temporary_credentials_send_and_sign_their_security_token_and_project():
    signer = AkSkAuth("AKTMP", "SKTMP", "p1", security_token="st-0123456789", clock=lambda: 0)

    signed = signer.signed(Outgoing("GET", VECTOR_URL))

    assert signed.headers["X-Security-Token"] == "st-0123456789"
    assert signed.headers["X-Project-Id"] == "p1"
    assert "x-security-token;x-project-id" not in signed.headers["Authorization"]
    assert "x-project-id;x-sdk-date;x-security-token" in signed.headers["Authorization"]
    assert set(signer.secrets()) == {"AKTMP", "SKTMP", "st-0123456789"}


def test_a_body_is_hashed_into_the_signature():
    signer = AkSkAuth("AKTEST", "SKTEST", "", clock=lambda: NEW_YEAR)
    one = signer.signed(Outgoing("POST", VECTOR_URL, {"Content-Type": "application/json"}, b"{}"))
    two = signer.signed(Outgoing("POST", VECTOR_URL, {"Content-Type": "application/json"}, b"[]"))
    assert one.headers["Authorization"] != two.headers["Authorization"]


def test_a_token_is_sent_as_x_auth_token():
    sent = TokenAuth("tok-0123").authorize(Outgoing("GET", VECTOR_URL, {"Accept": "a"}))
    assert sent.headers == {"Accept": "a", "X-Auth-Token": "tok-0123"}


def test_every_signature_is_masked_in_free_text_without_being_known():
    signed = AkSkAuth("AKTEST", "SKTEST", "").signed(Outgoing("GET", VECTOR_URL))
    text = f"echoed: {signed.headers['Authorization']}"
    masked = Redactor().text(text)
    assert signed.headers["Authorization"].rsplit("=", 1)[1] not in masked
    assert f"Signature={MASK}" in masked
