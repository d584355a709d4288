"""SM3 digests and SM4 encryption of personal data at rest (GB/T 39786-2021).

Sensitive values are stored as ``sm4gcm$<nonce>$<ciphertext+tag>`` (base64) beside a keyed SM3
digest (HMAC-SM3) that lets the database find a record by exact value without decrypting.
"""

import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

_PREFIX = "sm4gcm"


def sm3_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@lru_cache(maxsize=4)
def _key(raw: str) -> bytes:
    # The configured key is hex or free text; derive exactly 16 bytes for SM4 with SM3.
    return bytes.fromhex(sm3_hex("govhall-field-key:" + raw))[:16]


def keyed_digest(value: str) -> str:
    """HMAC-SM3 of a normalised value: the searchable stand-in for an encrypted column."""
    mac = crypto_hmac.HMAC(_key(settings.GOVHALL_FIELD_KEY), hashes.SM3())
    mac.update(value.strip().upper().encode("utf-8"))
    return mac.finalize().hex()


def encrypt(value: str) -> str:
    if value == "":
        return ""
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(_key(settings.GOVHALL_FIELD_KEY)), modes.GCM(nonce)).encryptor()
    body = encryptor.update(value.encode("utf-8")) + encryptor.finalize() + encryptor.tag
    return f"{_PREFIX}${base64.b64encode(nonce).decode()}${base64.b64encode(body).decode()}"


def decrypt(token: str) -> str:
    if token == "":
        return ""
    prefix, nonce_b64, body_b64 = token.split("$")
    if prefix != _PREFIX:
        raise ValueError("unknown cipher prefix")
    nonce, body = base64.b64decode(nonce_b64), base64.b64decode(body_b64)
    decryptor = Cipher(
        algorithms.SM4(_key(settings.GOVHALL_FIELD_KEY)), modes.GCM(nonce, body[-16:])
    ).decryptor()
    return (decryptor.update(body[:-16]) + decryptor.finalize()).decode("utf-8")


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
