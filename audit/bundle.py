"""The offline audit bundle (SPEC 7, docs/audit-format.md): a zip an auditor verifies at home.

`events.jsonl` (every hashed field of each event, `prev_hash` and `hash`), `checkpoints.jsonl`
(the witness's signed checkpoints), `public_key.pem`, `verify.py` (audit/verify.py, the format's
reference implementation), `manifest.json` (what the bundle holds, the SHA-256 of each file,
the chain head) and `manifest.sig` (the manifest signed with the installation's key).

The zip is written to a temporary file (memory stays flat whatever the number of events) and
handed back open, for the response to stream.
"""

import hashlib
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from . import signing, verify
from .checkpoints import checkpoint_after_commit, witness_lines
from .models import AuditEvent
from .services import audit_record, chain_head, event_record

CHUNK_SIZE = 2000


@dataclass
class Bundle:
    manifest: dict[str, Any]
    signature: str
    file: IO[bytes]
    filename: str


def _events_file(
    archive: zipfile.ZipFile, events: QuerySet[AuditEvent]
) -> tuple[str, list[int | None]]:
    """Write events.jsonl; return its SHA-256 and [count, first seq, last seq]."""
    digest, count = hashlib.sha256(), 0
    first: int | None = None
    last: int | None = None
    with archive.open("events.jsonl", "w") as handle:
        for event in events.order_by("seq").iterator(chunk_size=CHUNK_SIZE):
            line = (verify.canonical_json(event_record(event)) + "\n").encode()
            digest.update(line)
            handle.write(line)
            count, first, last = count + 1, first or event.seq, event.seq
    return digest.hexdigest(), [count, first, last]


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> str:
    archive.writestr(name, data)
    return hashlib.sha256(data).hexdigest()


def audit_bundle(*, user: Any, events: QuerySet[AuditEvent], filters: dict[str, Any]) -> Bundle:
    """A bundle of `events` (a filtered queryset; no filter: the whole chain) up to the head."""
    # The witness first, then the head: every checkpoint read covers events the bundle holds,
    # and a complete bundle shows any checkpoint beyond its last event (a deleted tail).
    checkpoints = [line.checkpoint for line in witness_lines() if line.checkpoint is not None]
    head = chain_head()
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 (handed to the response)
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        events_sha, (count, first, last) = _events_file(archive, events.filter(seq__lte=head.seq))
        files = {
            "events.jsonl": events_sha,
            "checkpoints.jsonl": _write(
                archive,
                "checkpoints.jsonl",
                "".join(verify.canonical_json(c) + "\n" for c in checkpoints).encode(),
            ),
            "public_key.pem": _write(archive, "public_key.pem", signing.public_key_pem()),
            "verify.py": _write(archive, "verify.py", Path(verify.__file__).read_bytes()),
        }
        manifest = {
            "export": "audit_trail",
            "format": "bundle",
            "bundle_format": verify.FORMAT,
            "bundle_version": verify.FORMAT_VERSION,
            "rows": count,
            "sha256": events_sha,
            "sha256_of": "events.jsonl",
            "filters": filters,
            "complete": not filters,
            "events": {"count": count, "first_seq": first, "last_seq": last},
            "audit_chain_head": {"seq": head.seq, "hash": head.hash},
            "checkpoints": len(checkpoints),
            "files": files,
            "key_id": signing.key_id(),
            "generated_at": timezone.now().isoformat(),
            "generated_by": user.get_username() if user is not None else None,
        }
        signature = signing.manifest_signature(manifest)
        archive.writestr("manifest.json", verify.canonical_json(manifest) + "\n")
        archive.writestr("manifest.sig", signature + "\n")
    handle.seek(0)
    audit_record(
        actor=user,
        action="exported",
        object_type="audit_trail",
        changes={"manifest": [None, manifest]},
    )
    checkpoint_after_commit()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Bundle(manifest, signature, handle, f"audit-bundle-{stamp}.zip")
