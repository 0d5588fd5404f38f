"""What the readers yield and the archive services store: a `CapturePayload` (one capture's
text and where it came from), a `Document` (an article read from one input item, with its
capture) or an `IngestError`; and the text normalisation both sides apply."""

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(kw_only=True)
class CapturePayload:
    """One capture of an article as given to `archive_article` and `add_capture`: its text and
    provenance. `captured_at` None means now."""

    text: str
    origin: str  # a Capture.Origin
    origin_location: str = ""
    raw: bytes = b""
    raw_content_type: str = ""
    warc_record_id: str = ""
    extractor: str = ""
    captured_at: dt.datetime | None = None
    redirects: Sequence[str] = ()


@dataclass(kw_only=True)
class Document(CapturePayload):
    """An article as read from one input item, ready to be archived: its details and its
    capture."""

    item: str  # names the input in messages
    title: str
    url: str = ""
    source_slug: str = ""
    language: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None


class IngestError(Exception):
    """One input item that could not be read; `item` names it (path, path:line, URL, WARC
    record) and `reason` says why."""

    def __init__(self, item: str, reason: str):
        # Both are stored (an import's report) and printed: no character that cannot be.
        self.item = storable_text(item)
        self.reason = storable_text(reason)
        super().__init__(f"{self.item}: {self.reason}")


Item = Document | IngestError


def size_limit() -> int:
    """The most bytes one input item may hold — a fetched page, a file, a WARC record, a JSON
    Lines line, an upload, a pasted text: CLAIMDESK_FETCH_MAX_BYTES."""
    return settings.CLAIMDESK_FETCH_MAX_BYTES


def too_large(what: str) -> str:
    """The reason given for an item over the size limit, `what` naming it ("the page")."""
    return f"{what} is larger than the {size_limit():,}-byte limit (CLAIMDESK_FETCH_MAX_BYTES)"


# What a string may hold but a database column may not: NUL (PostgreSQL refuses it) and
# lone surrogates (halves of a UTF-16 pair, which JSON's "\ud800" makes: not encodable).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A document's fields as a JSON Lines line names them.
_FIELD_NAMES = {"source_slug": "source"}


def storable_text(text: str) -> str:
    """`text` with NUL and lone surrogates written as escapes (\\x00, \\ud800)."""
    return _UNSTORABLE.sub(lambda found: repr(found.group())[1:-1], text)


def check_storable(document: "Document") -> "Document":
    """`document`, unless one of its texts holds a character no text column stores: then an
    IngestError naming the field and the character's position (from 1)."""
    for spec in dataclasses.fields(document):
        value = getattr(document, spec.name)
        values = value if isinstance(value, list | tuple) else [value]
        for text in values:
            if not isinstance(text, str) or (found := _UNSTORABLE.search(text)) is None:
                continue
            character = found.group()
            what = (
                "a NUL character"
                if character == "\x00"
                else f"a lone surrogate (U+{ord(character):04X})"
            )
            name = _FIELD_NAMES.get(spec.name, spec.name)
            reason = f"field “{name}”: holds {what} at character {found.start() + 1}"
            if character != "\x00":
                reason += ", which is not text"
            raise IngestError(document.item, reason)
    return document


def normalize_text(text: str) -> str:
    """Line endings unified and surrounding blank lines dropped; everything else is kept
    exactly (typographic quotes, accents, non-breaking spaces)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def parse_text_document(content: str) -> tuple[str, str]:
    """Split a plain-text article into (title, body): the first line is the title, and a
    repeat of the title as the first body line is dropped."""
    content = normalize_text(content)
    if not content:
        raise ValidationError("The file is empty: expected a title line followed by the text.")
    title, _, rest = content.partition("\n")
    body = normalize_text(rest)
    first, _, after = body.partition("\n")
    if first.strip() == title.strip():
        body = normalize_text(after)
    if not body:
        raise ValidationError("The file has a title line but no text after it.")
    return title.strip(), body
