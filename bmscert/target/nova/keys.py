"""SSH key material for the key pair calls: parsing an imported key, emulating a generated one.

An imported public key is checked the way a real service must: ``<type> <base64> [comment]``
whose decoded blob starts with the same type name. A generated pair is an emulation: the
public key is well-formed OpenSSH text around random bytes and the private key is PEM-framed
random bytes, so neither opens a real session. The target has no use for a working key,
and generating RSA keys would need a cryptography library the package does not depend on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import struct

SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
    }
)


class InvalidPublicKey(ValueError):
    """The text is not an OpenSSH public key."""


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _blob_of(public_key: str) -> bytes:
    parts = public_key.split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise InvalidPublicKey("the key must start with an SSH key type and its base64 data")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPublicKey("the key data is not valid base64") from None
    if not blob.startswith(_ssh_string(parts[0].encode("ascii"))):
        raise InvalidPublicKey("the key data does not match its type")
    return blob


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint OpenStack shows: colon-separated hex pairs of the key data."""
    digest = hashlib.md5(_blob_of(public_key), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def check_public_key(public_key: str) -> None:
    _blob_of(public_key)


def emulated_public_key(material: bytes, comment: str = "Generated-by-Nova") -> str:
    """An ``ssh-rsa`` key whose modulus is ``material`` (256 bytes make a 2048-bit key)."""
    modulus = b"\x00" + bytes([material[0] | 0x80]) + material[1:]
    blob = _ssh_string(b"ssh-rsa") + _ssh_string(b"\x01\x00\x01") + _ssh_string(modulus)
    return f"ssh-rsa {base64.b64encode(blob).decode('ascii')} {comment}"


def emulated_private_key() -> str:
    body = base64.b64encode(secrets.token_bytes(1190)).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(
        ["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----", ""]
    )


def generated_pair() -> tuple[str, str]:
    """A fresh (public, private) pair; see the module docstring for what it is not."""
    return emulated_public_key(secrets.token_bytes(256)), emulated_private_key()
