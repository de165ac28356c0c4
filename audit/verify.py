#!/usr/bin/env python3
"""Verify an audit bundle of the AI council offline: `python verify.py BUNDLE.zip`.

Needs Python 3.11+ and the `cryptography` package, nothing else: no access to the app. Exits 0
when the events, the signed checkpoints and the signed manifest agree, 1 naming the first break,
2 when the bundle cannot be read. The format is described in docs/audit-format.md of the
project; this file is its reference implementation, and the app hashes and signs with it.

    python verify.py BUNDLE.zip                      # trust the key inside the bundle
    python verify.py BUNDLE.zip --public-key KEY.pem # the key published at /audit/public-key.pem

Without --public-key the bundle proves only that it is consistent with the key it carries:
compare the key id printed with the one the installation publishes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json import encoder
from operator import itemgetter
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "ai-council-audit-bundle"
FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
# Fields of an event covered by its hash, in the order documented (the JSON is key-sorted).
HASHED_FIELDS = (
    "seq", "at", "actor", "actor_username", "action", "object_type", "object_id", "object_ref",
    "changes",
)  # fmt: skip
# What is signed is a context line and canonical JSON: a checkpoint's signature can never pass
# for a manifest's, nor the reverse.
CHECKPOINT_CONTEXT = b"ai-council audit checkpoint v1\n"
MANIFEST_CONTEXT = b"ai-council export manifest v1\n"
CHECKPOINT_FIELDS = ("seq", "hash", "at", "key_id")
BUNDLE_FILES = ("events.jsonl", "checkpoints.jsonl", "public_key.pem", "verify.py")


# --- The rules shared with the app -------------------------------------------------------------


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# JSON text of one string as _CANONICAL writes it (UTF-8 kept, only quotes, backslashes and
# control characters escaped); refuses anything but a str.
_json_string = encoder.encode_basestring


def _tree_writer() -> Callable[[Any], str]:
    """canonical_json made once, without the check for values that contain themselves: for
    what a database or a JSON parser returned, which cannot."""
    make_encoder = getattr(encoder, "c_make_encoder", None)
    if make_encoder is None:  # Python built without its C accelerator
        return canonical_json
    write = make_encoder(None, _CANONICAL.default, _json_string, None, ":", ",", True, False, True)
    return lambda value: "".join(write(value, 0))


def canonical_json(value: Any) -> str:
    """Keys sorted, no spaces, UTF-8 text kept as is (not \\u escapes)."""
    return _CANONICAL.encode(value)


_canonical_tree = _tree_writer()


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous event's hash followed by the event's canonical JSON."""
    body = {name: event[name] for name in HASHED_FIELDS}
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


# An event as a database row: the hashed fields, then prev_hash and hash (row_chain_breaks).
ROW_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")


def row_hash(row: Sequence[Any]) -> str:
    """event_hash of an event given as a row in ROW_FIELDS order, the same digest.

    The canonical JSON is written field by field, in the sorted order of its keys, when the
    fields have the types the app stores (text, whole numbers, `actor` possibly null); any
    other row is hashed through event_hash itself."""
    seq, at, actor, username, action, object_type, object_id, object_ref, changes, prev = row[:10]
    if type(seq) is not int or not (actor is None or type(actor) is int):
        return event_hash(prev, dict(zip(ROW_FIELDS, row, strict=False)))
    try:
        body = (
            f'{{"action":{_json_string(action)},'
            f'"actor":{"null" if actor is None else actor},'
            f'"actor_username":{_json_string(username)},'
            f'"at":{_json_string(at)},'
            f'"changes":{_canonical_tree(changes)},'
            f'"object_id":{_json_string(object_id)},'
            f'"object_ref":{_json_string(object_ref)},'
            f'"object_type":{_json_string(object_type)},'
            f'"seq":{seq}}}'
        )
    except TypeError:  # a field that is not text
        return event_hash(prev, dict(zip(ROW_FIELDS, row, strict=False)))
    return hashlib.sha256((prev + body).encode()).hexdigest()


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_message(context: bytes, fields: Mapping[str, Any]) -> bytes:
    return context + canonical_json(dict(fields)).encode()


def signature_valid(public_key: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def checkpoint_fields(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    return {name: checkpoint[name] for name in CHECKPOINT_FIELDS}


def checkpoint_problem(public_key: Ed25519PublicKey, checkpoint: Mapping[str, Any]) -> str | None:
    """Why a checkpoint line cannot be trusted, or None."""
    try:
        fields = checkpoint_fields(checkpoint)
        signature = checkpoint["signature"]
    except (KeyError, TypeError):
        return "is not a checkpoint (a field is missing)"
    if fields["key_id"] != key_id(public_key):
        return f"is signed with another key ({fields['key_id']})"
    if not signature_valid(public_key, signature, signed_message(CHECKPOINT_CONTEXT, fields)):
        return "has an invalid signature (altered)"
    return None


@dataclass(frozen=True)
class Break:
    where: str
    reason: str
    seq: int | None = None  # the event it names, if any

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def _at_event(seq: int, reason: str) -> Break:
    return Break(f"event #{seq}", reason, seq)


def chain_breaks(
    events: Iterable[Mapping[str, Any]],
    checkpoints: Sequence[Mapping[str, Any]],
    *,
    complete: bool,
) -> Iterator[Break]:
    """Yield the first break of `events` (ordered by seq) against themselves and the checkpoints.

    `complete`: the events are the whole chain from #1, so a gap, a missing head or a
    checkpoint beyond the last event is a break too. Otherwise (a filtered slice) each event is
    checked alone, links where the slice is contiguous, and checkpoints at the seqs it holds.
    """
    return _breaks(events, checkpoints, complete, _EVENT_FIELDS)


def row_chain_breaks(
    rows: Iterable[Sequence[Any]],
    checkpoints: Sequence[Mapping[str, Any]],
    *,
    complete: bool,
) -> Iterator[Break]:
    """chain_breaks of events given as rows in ROW_FIELDS order (as a database cursor returns
    them): the same breaks, without a mapping per event."""
    return _breaks(rows, checkpoints, complete, _ROW_FIELDS)


@dataclass(frozen=True)
class _Fields:
    """How the chain check reads an event's number, its links and its own hash."""

    seq: Callable[[Any], Any]
    prev_hash: Callable[[Any], Any]
    hash: Callable[[Any], Any]
    computed_hash: Callable[[Any], str]


_EVENT_FIELDS = _Fields(
    itemgetter("seq"),
    itemgetter("prev_hash"),
    itemgetter("hash"),
    lambda event: event_hash(event["prev_hash"], event),
)
_ROW_FIELDS = _Fields(
    itemgetter(ROW_FIELDS.index("seq")),
    itemgetter(ROW_FIELDS.index("prev_hash")),
    itemgetter(ROW_FIELDS.index("hash")),
    row_hash,
)


def _breaks(
    events: Iterable[Any],
    checkpoints: Sequence[Mapping[str, Any]],
    complete: bool,
    fields: _Fields,
) -> Iterator[Break]:
    signed: dict[int, Mapping[str, Any]] = {}
    for checkpoint in checkpoints:
        signed.setdefault(checkpoint["seq"], checkpoint)
    seq_of, prev_hash_of, hash_of, computed_hash = (
        fields.seq, fields.prev_hash, fields.hash, fields.computed_hash
    )  # fmt: skip
    last_seq, last_hash = 0, GENESIS_HASH
    for event in events:
        seq = seq_of(event)
        if not isinstance(seq, int) or seq <= last_seq:
            yield _at_event(
                seq, f"comes after event #{last_seq}: events are out of order or repeated"
            )
            return
        if complete and seq != last_seq + 1:
            yield _at_event(last_seq + 1, "is missing (deleted)")
            return
        if (complete or seq == last_seq + 1) and prev_hash_of(event) != last_hash:
            yield _at_event(seq, f"prev_hash does not match the hash of event #{seq - 1}")
            return
        if computed_hash(event) != hash_of(event):
            yield _at_event(seq, "content does not match its hash (altered)")
            return
        signed_here = signed.get(seq)
        if signed_here is not None and signed_here["hash"] != hash_of(event):
            yield _at_event(
                seq,
                f"differs from the signed checkpoint of {signed_here['at']}: history up to here"
                " was rewritten",
            )
            return
        last_seq, last_hash = seq, hash_of(event)
    if not complete:
        return
    beyond = [c for c in checkpoints if c["seq"] > last_seq]
    if beyond:
        latest = max(beyond, key=lambda c: c["seq"])
        yield _at_event(
            last_seq + 1,
            f"is missing: the signed checkpoint of {latest['at']} covers up to #{latest['seq']}"
            f" but the chain ends at #{last_seq} (events deleted from the tail, or truncated)",
        )
        return
    genesis = signed.get(0)
    if genesis is not None and genesis["hash"] != GENESIS_HASH:
        yield Break("checkpoint #0", "does not carry the genesis hash")


# --- Bundles -------------------------------------------------------------------------------------


class Unreadable(Exception):
    """The bundle is not a zip of this format."""


@dataclass
class Bundle:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: str
    files: dict[str, bytes]


def read_bundle(path: Any) -> Bundle:
    """`path`: a file name, or a binary file open for reading."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [
                n for n in ("manifest.json", "manifest.sig", *BUNDLE_FILES) if n not in names
            ]
            if missing:
                raise Unreadable(f"the bundle lacks {', '.join(missing)}")
            manifest_bytes = archive.read("manifest.json")
            signature = archive.read("manifest.sig").decode("ascii", "replace").strip()
            files = {name: archive.read(name) for name in BUNDLE_FILES}
    except (OSError, zipfile.BadZipFile) as error:
        raise Unreadable(f"cannot read {path}: {error}") from error
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as error:
        raise Unreadable(f"manifest.json is not JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("bundle_format") != FORMAT:
        raise Unreadable(f"manifest.json is not an {FORMAT} manifest")
    return Bundle(manifest, manifest_bytes, signature, files)


def _json_lines(data: bytes, name: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(data.decode().splitlines(), start=1):
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValueError(f"{name} line {number} is not a JSON object")
        yield value


def _load_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def bundle_breaks(bundle: Bundle, pinned_key_pem: bytes | None = None) -> Iterator[Break]:
    """Yield the first thing in the bundle that does not hold (nothing when it verifies)."""
    try:
        key = _load_key(bundle.files["public_key.pem"])
    except ValueError as error:
        yield Break("public_key.pem", str(error))
        return
    if pinned_key_pem is not None and key_id(_load_key(pinned_key_pem)) != key_id(key):
        yield Break("public_key.pem", "is not the key given with --public-key")
        return
    manifest = bundle.manifest
    if manifest.get("key_id") != key_id(key):
        yield Break("manifest.json", "names another signing key than public_key.pem")
        return
    if not signature_valid(key, bundle.signature, signed_message(MANIFEST_CONTEXT, manifest)):
        yield Break("manifest.sig", "does not sign manifest.json with this key (altered)")
        return
    for name in BUNDLE_FILES:
        if hashlib.sha256(bundle.files[name]).hexdigest() != manifest["files"].get(name):
            yield Break(name, "does not match its SHA-256 in the manifest (altered)")
            return
    try:
        checkpoints = list(_json_lines(bundle.files["checkpoints.jsonl"], "checkpoints.jsonl"))
        events = list(_json_lines(bundle.files["events.jsonl"], "events.jsonl"))
    except ValueError as error:
        yield Break("bundle", str(error))
        return
    for number, checkpoint in enumerate(checkpoints, start=1):
        problem = checkpoint_problem(key, checkpoint)
        if problem:
            yield Break(f"checkpoints.jsonl line {number}", problem)
            return
    try:
        yield from _events_breaks(events, checkpoints, manifest)
    except (KeyError, TypeError) as error:
        yield Break("events.jsonl", f"an event lacks a field or has the wrong type ({error})")


def _events_breaks(
    events: list[dict[str, Any]],
    checkpoints: Sequence[Mapping[str, Any]],
    manifest: dict[str, Any],
) -> Iterator[Break]:
    complete = bool(manifest.get("complete"))
    broken = next(chain_breaks(events, checkpoints, complete=complete), None)
    if broken is not None:
        yield broken
        return
    summary = manifest["events"]
    seqs = [e["seq"] for e in events]
    found = {
        "count": len(seqs),
        "first_seq": min(seqs, default=None),
        "last_seq": max(seqs, default=None),
    }
    for name, value in found.items():
        if summary.get(name) != value:
            yield Break("events.jsonl", f"{name} is {value}, the manifest says {summary.get(name)}")
            return
    head = manifest["audit_chain_head"]
    if (
        complete
        and events
        and (events[-1]["seq"], events[-1]["hash"]) != (head["seq"], head["hash"])
    ):
        yield Break("events.jsonl", "does not end at the chain head the manifest names")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an AI council audit bundle offline.")
    parser.add_argument("bundle", help="the .zip exported with format=bundle")
    parser.add_argument("--public-key", help="PEM file of the installation's public key")
    args = parser.parse_args(argv)
    try:
        bundle = read_bundle(args.bundle)
        pinned = None
        if args.public_key:
            with open(args.public_key, "rb") as handle:
                pinned = handle.read()
            _load_key(pinned)
    except (Unreadable, OSError, ValueError) as error:
        print(f"UNREADABLE: {error}", file=sys.stderr)
        return 2
    broken = next(bundle_breaks(bundle, pinned), None)
    if broken is not None:
        print(f"BROKEN: {broken}", file=sys.stderr)
        return 1
    manifest = bundle.manifest
    summary = manifest["events"]
    print(
        f"OK: {summary['count']} events"
        + (f" (#{summary['first_seq']} to #{summary['last_seq']})" if summary["count"] else "")
        + (", the whole chain" if manifest.get("complete") else ", a filtered slice")
        + f"; signed by key {manifest['key_id']}"
        + ("" if args.public_key else " (not pinned: compare it with the published key)")
        + f"; generated {manifest['generated_at']}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
