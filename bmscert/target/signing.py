"""Verifying AK/SK signatures (SDK-HMAC-SHA256) the way the API gateway does.

huaweicloudsdkcore signs but has no verifier, and the target must not borrow the client's
code to check the client, so this is written from the documented rules of the canonical
request and cross-checked against requests the SDK signs (``tests/target/test_signing.py``):

    METHOD \\n canonical URI \\n canonical query \\n canonical headers \\n signed headers \\n
    hex SHA-256 of the body

- the canonical URI is the received path, percent-decoded, split on ``/``, every segment
  encoded again with only letters, digits and ``-_.~`` left bare, always ending in ``/``;
- the canonical query is the received query's pairs, percent-decoded (a ``+`` stays a plus),
  sorted by key then value, encoded the same way and joined ``k=v&...``;
- the canonical headers are the headers the client lists in ``SignedHeaders``, taken from the
  request as received (a listed header that is missing is a refusal), ``name:value`` in
  lower case, trimmed, one per line;
- the body hash is of the raw received bytes; an empty body has the hash of nothing, and a
  signed ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` stands in for the hash.

The string to sign is ``SDK-HMAC-SHA256 \\n <X-Sdk-Date> \\n hex SHA-256 of the canonical
request``, and the signature is its hex HMAC-SHA256 under the secret key. ``X-Sdk-Date`` must be
signed, shaped ``YYYYMMDDTHHMMSSZ`` and within 15 minutes of the gateway's clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
CLOCK_WINDOW_SECONDS = 15 * 60
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD_HEADER = "x-sdk-content-sha256"
_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>\S+)\s+Access=(?P<access>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


class SignatureRefused(Exception):
    """Why a signed request is refused; the text never holds the secret or the signature."""


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the gateway received it: the path and query still percent-encoded."""

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class SignedAuthorization:
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> SignedAuthorization:
    match = _AUTHORIZATION.match(value.strip())
    if match is None:
        raise SignatureRefused("the Authorization header is not an AK/SK signature")
    if match["algorithm"] != ALGORITHM:
        raise SignatureRefused(f"unsupported signing algorithm {match['algorithm']}")
    headers = tuple(name.lower() for name in match["headers"].split(";") if name)
    return SignedAuthorization(match["access"], headers, match["signature"].lower())


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(raw_path: str) -> str:
    segments = [_encode(segment) for segment in unquote(raw_path).split("/")]
    path = "/".join(segments)
    return path if path.endswith("/") else path + "/"


def canonical_query(raw_query: str) -> str:
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(pairs))


def received_header(headers: Mapping[str, str], name: str) -> str:
    """A header as the client meant it: HTTP carries bytes, read here as Latin-1, while the
    signer hashed the UTF-8 text."""
    value = headers.get(name)
    if value is None:
        raise SignatureRefused(f"the signed header {name} is missing from the request")
    return value.encode("latin-1", "replace").decode("utf-8", "replace").strip()


def body_hash(request: ReceivedRequest, signed: tuple[str, ...]) -> str:
    if not request.body:
        return EMPTY_BODY_HASH
    if UNSIGNED_PAYLOAD_HEADER in signed:
        return received_header(request.headers, UNSIGNED_PAYLOAD_HEADER)
    return hashlib.sha256(request.body).hexdigest()


def canonical_request(
    request: ReceivedRequest, signed: tuple[str, ...], *, with_query: bool = True
) -> str:
    """The text the client signed; ``with_query=False`` is the deliberate fault
    ``sign-ignores-query`` (a verifier that leaves the query out)."""
    headers = "".join(f"{name}:{received_header(request.headers, name)}\n" for name in signed)
    return "\n".join(
        (
            request.method.upper(),
            canonical_uri(request.raw_path),
            canonical_query(request.raw_query) if with_query else "",
            headers,
            ";".join(signed),
            body_hash(request, signed),
        )
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def signing_time(request: ReceivedRequest, signed: tuple[str, ...], now: float) -> str:
    """The signed ``X-Sdk-Date``, refused when absent, malformed or out of the window."""
    if "x-sdk-date" not in signed:
        raise SignatureRefused("X-Sdk-Date is missing or not signed")
    value = received_header(request.headers, "x-sdk-date")
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        moment = datetime.strptime(value, _DATE_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise SignatureRefused(f"invalid X-Sdk-Date {value!r}") from None
    if abs(now - moment) > CLOCK_WINDOW_SECONDS:
        server = datetime.fromtimestamp(now, tz=UTC).strftime(_DATE_FORMAT)
        raise SignatureRefused(f"signature expired, signature time:{value}, server time:{server}")
    return value


def verify(
    request: ReceivedRequest,
    authorization: SignedAuthorization,
    secret_key: str,
    now: float,
    *,
    with_query: bool = True,
) -> None:
    """Raise ``SignatureRefused`` unless the request carries a valid, timely signature."""
    sdk_date = signing_time(request, authorization.signed_headers, now)
    canonical = canonical_request(request, authorization.signed_headers, with_query=with_query)
    expected = signature(secret_key, string_to_sign(canonical, sdk_date))
    if not hmac.compare_digest(expected, authorization.signature):
        raise SignatureRefused("the signature does not match the request")
