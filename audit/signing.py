"""The installation's Ed25519 key: it signs audit checkpoints and export manifests (SPEC 7-8).

The private key is a PEM file at `AUDIT_SIGNING_KEY`. The embedded default creates one on first
use and says so in the log (`AUDIT_SIGNING_KEY_GENERATE`); production refuses to sign without
the file, so a lost key is never silently replaced.
"""

import base64
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import verify

logger = logging.getLogger(__name__)


def generate(path: Path) -> None:
    """Write a new key readable by its owner only; a key another process wrote first wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    logger.warning(
        "Generated a new audit signing key at %s: keep it secret and back it up apart from the"
        " database (it signs the audit checkpoints and the export manifests).",
        path,
    )


@cache
def _load(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY {path} is not an Ed25519 private key.")
    return key


def private_key() -> Ed25519PrivateKey:
    path = Path(settings.AUDIT_SIGNING_KEY)
    if not path.exists():
        if not settings.AUDIT_SIGNING_KEY_GENERATE:
            raise ImproperlyConfigured(
                f"The audit signing key {path} (AUDIT_SIGNING_KEY) does not exist. Create one"
                " with `python manage.py audit_signing_key --create` and keep it apart from the"
                " database backups."
            )
        generate(path)
    return _load(path)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem() -> bytes:
    return public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id() -> str:
    return verify.key_id(public_key())


def sign(context: bytes, fields: dict[str, Any]) -> str:
    """Base64 Ed25519 signature of the context line and the fields' canonical JSON."""
    return base64.b64encode(private_key().sign(verify.signed_message(context, fields))).decode()


def manifest_signature(manifest: dict[str, Any]) -> str:
    """The signature an export carries beside its manifest (`X-Export-Signature`)."""
    return sign(verify.MANIFEST_CONTEXT, manifest)


def manifest_signature_valid(manifest: dict[str, Any], signature: str) -> bool:
    message = verify.signed_message(verify.MANIFEST_CONTEXT, manifest)
    return verify.signature_valid(public_key(), signature, message)


def signing_key_problems(**kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: production cannot sign checkpoints or manifests without its key."""
    path = Path(settings.AUDIT_SIGNING_KEY)
    if path.exists() or settings.AUDIT_SIGNING_KEY_GENERATE:
        return []
    return [
        checks.Error(
            f"The audit signing key {path} (AUDIT_SIGNING_KEY) does not exist.",
            hint="Create it with `python manage.py audit_signing_key --create`.",
            id="audit.E001",
        )
    ]
