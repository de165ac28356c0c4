"""Files written for the rows of a transaction that may still roll back, and stored files
served back as downloads.

A file is written inside the transaction, before its row is committed, so a committed row always
has its file; `delete_unless_committed` then deletes the file when that transaction (or the
savepoint it was written in) rolls back, so a refused or failed upload leaves nothing on disk.

How a rollback is seen: Django keeps an on-commit callback until the transaction commits (then
runs it and drops it) or rolls back (then drops it unrun, also when only the savepoint it was
registered in rolls back). The callback object here dies as soon as Django drops it (CPython frees
it at once: nothing else refers to it), and its finalizer deletes the file unless it ran.
"""

import weakref

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse


class _Committed:
    """The on-commit callback: marks the file as kept."""

    def __init__(self, kept: list[bool]):
        self.kept = kept

    def __call__(self) -> None:
        self.kept.append(True)


def _delete_unless_kept(storage: Storage, name: str, kept: list[bool]) -> None:
    if not kept:
        storage.delete(name)


def delete_unless_committed(file: FieldFile, using: str | None = None) -> None:
    """Delete the stored `file`, just written, if the current transaction does not commit
    (outside a transaction it is committed already and kept)."""
    if not file.name:
        return
    kept: list[bool] = []
    callback = _Committed(kept)
    weakref.finalize(callback, _delete_unless_kept, file.storage, file.name, kept)
    transaction.on_commit(callback, using=using)


def download_response(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download the browser never renders inline (attachments, evidence)."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
