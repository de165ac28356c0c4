"""Checks on uploaded files: allowed types (by name and by content) and size (SPEC section 3.7)."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

ZIP = b"PK\x03\x04"
# Extension -> (content type, check of the first bytes).
ALLOWED = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda head: head.startswith(ZIP),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda head: head.startswith(ZIP),
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        lambda head: head.startswith(ZIP),
    ),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "txt": ("text/plain", lambda head: _is_text(head)),
    "md": ("text/markdown", lambda head: _is_text(head)),
    "csv": ("text/csv", lambda head: _is_text(head)),
}
ALLOWED_LABEL = "pdf, docx, xlsx, pptx, png, jpg, txt, md, csv"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character may be cut at the end of the sample.
        return error.start >= len(head) - 3
    return True


def validate_upload(upload) -> str:
    """Return the content type to serve the file with, or raise a ValidationError saying why not."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in ALLOWED:
        raise ValidationError(
            {
                "file": [
                    f"Files of type '.{extension or '?'}' are not accepted. Allowed: {ALLOWED_LABEL}."
                ]
            }
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": [
                    f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB."
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    content_type, looks_right = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not looks_right(head):
        raise ValidationError({"file": [f"The content does not look like a .{extension} file."]})
    return content_type
