"""Signed checkpoints of the chain head, appended to a witness outside the database (SPEC 7).

A checkpoint `{seq, hash, at, key_id}` signed with the installation's key says "the chain held
these events, ending with this hash, at this time". The witness is a file of JSON lines
(`AUDIT_WITNESS_PATH`, e.g. on write-once storage) the application's database credentials
cannot reach: an insider who deletes the tail, truncates the table or re-hashes the chain in the
database cannot make it agree with the witness. Checkpoints are written on every export, hourly
by the scheduler and by `manage.py audit_checkpoint`.
"""

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from . import signing, verify
from .models import ChainVerification
from .services import audit_record, chain_head, verify_chain


@dataclass(frozen=True)
class WitnessLine:
    number: int
    checkpoint: dict[str, Any] | None  # None when the line is not JSON

    @property
    def at(self) -> str:
        return str((self.checkpoint or {}).get("at", "?"))


def witness_path() -> Path:
    return Path(settings.AUDIT_WITNESS_PATH)


def _append(line: str) -> None:
    """One line, whole, even with several processes appending at once."""
    path = witness_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _signed_checkpoint() -> dict[str, Any]:
    head = chain_head()
    fields = {
        "seq": head.seq,
        "hash": head.hash,
        "at": timezone.now().isoformat(),
        "key_id": signing.key_id(),
    }
    return {**fields, "signature": signing.sign(verify.CHECKPOINT_CONTEXT, fields)}


def checkpoint_write() -> dict[str, Any]:
    """Sign the chain head now and append it to the witness; return the checkpoint.

    Call it outside a transaction (or through `checkpoint_after_commit`): a checkpoint of an
    event that then rolled back would accuse the database of losing it.
    """
    checkpoint = _signed_checkpoint()
    _append(verify.canonical_json(checkpoint))
    return checkpoint


def checkpoint_after_commit() -> None:
    """A checkpoint once the current transaction commits (at once outside one)."""
    transaction.on_commit(checkpoint_write)


def witness_lines() -> Iterator[WitnessLine]:
    """Every line of the witness, in the order written (nothing when there is no witness yet)."""
    try:
        handle = witness_path().open(encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for number, text in enumerate(handle, start=1):
            yield WitnessLine(number, _parsed(text))


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def checkpoints_up_to(seq: int) -> list[dict[str, Any]]:
    """The witness's checkpoints of events up to #seq (what a bundle of them carries)."""
    return [
        line.checkpoint
        for line in witness_lines()
        if line.checkpoint is not None and _seq(line.checkpoint) <= seq
    ]


def _seq(checkpoint: dict[str, Any]) -> int:
    value = checkpoint.get("seq")
    return value if isinstance(value, int) else -1


@dataclass(frozen=True)
class Verification:
    broken: verify.Break | None
    events: int
    checkpoints: int
    latest: dict[str, Any] | None

    def summary(self) -> str:
        if self.broken is not None:
            return f"Audit trail broken at {self.broken}."
        latest = self.latest
        against = (
            f" against {self.checkpoints} signed checkpoints (the latest covers #{latest['seq']},"
            f" {latest['at']})"
            if latest
            else "; no signed checkpoint yet, so only the chain's own links were checked"
        )
        return f"Audit chain intact: {self.events} events verified{against}."


def record_verification() -> Verification:
    """The chain checked against itself and every checkpoint of the witness (SPEC 7)."""
    checkpoints: list[dict[str, Any]] = []
    key = signing.public_key()
    for line in witness_lines():
        if line.checkpoint is None:
            problem: str | None = "is not JSON"
        else:
            problem = verify.checkpoint_problem(key, line.checkpoint)
            checkpoints.append(line.checkpoint)
        if problem:
            unsigned = verify.Break(f"witness line {line.number}", problem)
            return Verification(unsigned, 0, len(checkpoints), None)
    broken = next(iter(verify_chain(checkpoints=checkpoints)), None)
    latest = max(checkpoints, key=_seq, default=None)
    return Verification(broken, chain_head().seq, len(checkpoints), latest)


# A verification asked for this long ago and still not finished is taken as lost (its worker
# stopped): asking again starts a new one.
VERIFICATION_LOST_AFTER = timedelta(hours=1)


def chain_verification_request(actor: User) -> tuple[ChainVerification, bool]:
    """The verification `actor` asks for from the auditor's page, and whether it is new (to be
    queued): one still running is shared, not started twice. Who may ask is checked by the
    page (council.selectors.record_read_refusal)."""
    with transaction.atomic():
        running = ChainVerification.objects.filter(
            finished_at=None, requested_at__gte=timezone.now() - VERIFICATION_LOST_AFTER
        ).first()
        if running is not None:
            return running, False
        return ChainVerification.objects.create(
            requested_by=actor, requested_at=timezone.now()
        ), True


def chain_verification_run(verification_id: int) -> ChainVerification:
    """Recompute the chain for a requested verification and record its result, and the check
    itself in the trail; done already, it is left as it is (a task may run twice)."""
    verification = ChainVerification.objects.get(pk=verification_id)
    if not verification.running:
        return verification
    result = record_verification()
    with transaction.atomic():
        verification.finished_at = timezone.now()
        verification.intact = result.broken is None
        verification.events = result.events
        verification.summary = result.summary()
        verification.save(update_fields=["finished_at", "intact", "events", "summary"])
        audit_record(
            actor=verification.requested_by,
            action="chain_verified",
            object_type="audit_trail",
            changes={"result": [None, _result_words(result)]},
        )
    return verification


def _result_words(result: Verification) -> str:
    return "intact" if result.broken is None else f"broken at {result.broken.where}"


def latest_checkpoint() -> dict[str, Any] | None:
    """The last checkpoint the witness holds, as written (not verified: see record_verification).

    Read from the end (the auditor's page asks on every view, and the witness only grows); the
    whole file only when its last few kilobytes hold no checkpoint."""
    for text in reversed(_tail_lines()):
        checkpoint = _parsed(text)
        if checkpoint is not None:
            return checkpoint
    latest = None
    for line in witness_lines():
        latest = line.checkpoint or latest
    return latest


def _tail_lines(size: int = 8192) -> list[str]:
    try:
        handle = witness_path().open("rb")
    except FileNotFoundError:
        return []
    with handle:
        end = handle.seek(0, os.SEEK_END)
        handle.seek(max(end - size, 0))
        lines = handle.read().decode("utf-8", "replace").splitlines()
    return lines[1:] if end > size else lines  # the first may be cut
