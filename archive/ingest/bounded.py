"""Reading untrusted files within bounds: gzip members decompressed a step at a time under a
total and a ratio (CLAIMDESK_DECOMPRESSED_MAX_BYTES, CLAIMDESK_DECOMPRESSION_MAX_RATIO), WARC
records whose headers are bounded (CLAIMDESK_WARC_MAX_HEADER_BYTES), and the nesting depth
of a JSON text measured before it is parsed (CLAIMDESK_JSON_MAX_DEPTH).

A reader turns `StopReading` (the rest of a file cannot be read: a bound was passed, gzip
data ended early) and `DamagedGzip` (one member does not decompress; the next may) into the
`IngestError` of the item concerned."""

import re
import zlib
from typing import BinaryIO

from django.conf import settings
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.utils import BUFF_SIZE

# Raw bytes read from a file at a time.
RAW_CHUNK = 64 * 1024
# The ratio is judged once this much is decompressed: a small gzip of a few bytes' header
# may well decompress to fifty times its size.
RATIO_FLOOR = 2**20
GZIP_MAGIC = b"\x1f\x8b\x08"


class StopReading(Exception):
    """The rest of the file is not read; the message says why, naming the setting."""


class DamagedGzip(Exception):
    """A gzip member that does not decompress; reading may resume at the next member."""


class HeadersTooLong(Exception):
    def __init__(self, limit: int):
        super().__init__(
            f"its headers are longer than {limit:,} bytes (CLAIMDESK_WARC_MAX_HEADER_BYTES)"
        )


class Members:
    """A file as a series of members: each gzip member of a gzip file (crawlers write one WARC
    record per member, so a damaged record does not hide the next), or the whole file when
    it is not compressed. Every member's `read` returns at most the size asked for, so no
    step decompresses more than one block; all members together decompress to at most
    CLAIMDESK_DECOMPRESSED_MAX_BYTES, at most CLAIMDESK_DECOMPRESSION_MAX_RATIO times the
    compressed bytes read."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.pending = raw.read(RAW_CHUNK)
        self.consumed = len(self.pending)
        self.produced = 0
        self.compressed = self.pending.startswith(GZIP_MAGIC[:2])
        self.max_bytes = settings.CLAIMDESK_DECOMPRESSED_MAX_BYTES
        self.max_ratio = settings.CLAIMDESK_DECOMPRESSION_MAX_RATIO
        self.started = False
        self.current: Member | None = None

    def fill(self) -> bool:
        """Raw bytes pending, reading more if there were none; False at the end of the file."""
        if not self.pending:
            self.pending = self.raw.read(RAW_CHUNK)
            self.consumed += len(self.pending)
        return bool(self.pending)

    def next(self) -> "Member | None":
        """The next member, once the current one is read to its end (or skipped); None when
        the file ends."""
        if self.current is not None:
            self.current.drain()
        if not self.compressed:
            if self.started:
                return None
            self.started = True
            self.current = Member(self, None)
            return self.current
        if not self.fill():
            return None
        if not self.pending.startswith(GZIP_MAGIC[: len(self.pending)]):
            if self._only_padding():
                return None
            raise StopReading("what follows is not gzip data")
        self.current = Member(self, zlib.decompressobj(16 + zlib.MAX_WBITS))
        return self.current

    def _only_padding(self) -> bool:
        """Whether the rest of the file is padding (NUL bytes, blank lines), which some
        writers leave after the last member; reads it."""
        while self.pending:
            if self.pending.strip(b"\x00\r\n\t "):
                return False
            self.pending = b""
            self.fill()
        return True

    def skip(self) -> None:
        """Read the current member to its end, unread."""
        if self.current is not None:
            self.current.drain()
            self.current = None

    def resync(self) -> None:
        """After a damaged member: skip to the next place where a gzip member may start."""
        self.current = None
        self.pending = self.pending[1:]
        while True:
            found = self.pending.find(GZIP_MAGIC)
            if found >= 0:
                self.pending = self.pending[found:]
                return
            # Keep what may be the start of a magic number cut by the chunk's end.
            tail = self.pending[-(len(GZIP_MAGIC) - 1) :]
            more = self.raw.read(RAW_CHUNK)
            self.consumed += len(more)
            if not more:
                self.pending = b""
                return
            self.pending = tail + more

    def count(self, size: int) -> None:
        self.produced += size
        if not self.compressed:
            return
        if self.produced > self.max_bytes:
            raise StopReading(
                f"the file decompresses to more than {self.max_bytes:,} bytes "
                "(CLAIMDESK_DECOMPRESSED_MAX_BYTES); the rest of it was not read"
            )
        if self.produced > RATIO_FLOOR and self.produced > self.max_ratio * self.consumed:
            raise StopReading(
                f"the file decompresses to more than {self.max_ratio:g} times its size "
                "(CLAIMDESK_DECOMPRESSION_MAX_RATIO); the rest of it was not read"
            )


class Member:
    """One member's bytes, decompressed; a file-like object with `read` alone."""

    def __init__(self, members: Members, decompressor):
        self.members = members
        self.decompressor = decompressor

    def read(self, size: int | None = -1) -> bytes:
        members = self.members
        if size is None or size < 0:
            size = RAW_CHUNK
        if size == 0:
            return b""
        if self.decompressor is None:
            if not members.fill():
                return b""
            data, members.pending = members.pending[:size], members.pending[size:]
            members.count(len(data))
            return data
        decompressor = self.decompressor
        while not decompressor.eof:
            if not members.fill():
                raise StopReading("the gzip data ends in the middle (truncated)")
            try:
                data = decompressor.decompress(members.pending, size)
            except zlib.error as exc:
                raise DamagedGzip(f"the gzip data is damaged ({exc})") from None
            if decompressor.eof:
                members.pending = decompressor.unused_data
            else:
                members.pending = decompressor.unconsumed_tail
            if data:
                members.count(len(data))
                return data
        return b""

    def drain(self) -> None:
        """Read what is left of the member, within the same bounds."""
        while self.read(BUFF_SIZE):
            pass


class _BoundedLineReader(BufferedReader):
    """warcio's line reader, with no decompression of its own (Members does it, within
    bounds) and no more header bytes between two records than `limit`: warcio reads a header
    line whole, however long."""

    def __init__(self, stream, limit: int):
        super().__init__(stream, block_size=BUFF_SIZE)
        self.limit = limit
        self.header_bytes = 0

    def readline(self, length=None):
        room = self.limit - self.header_bytes
        if not length or length > room + 1:
            length = room + 1
        line = super().readline(length)
        self.header_bytes += len(line)
        if self.header_bytes > self.limit:
            raise HeadersTooLong(self.limit)
        return line


class WarcRecords(ArchiveIterator):
    """The WARC records of one member (or of a whole uncompressed file), their digests
    checked, their headers bounded by CLAIMDESK_WARC_MAX_HEADER_BYTES."""

    def __init__(self, member: Member):
        super().__init__(member, check_digests=True)
        self.reader = _BoundedLineReader(self.fh, settings.CLAIMDESK_WARC_MAX_HEADER_BYTES)

    def _next_record(self, next_line):
        record = super()._next_record(next_line)
        self.reader.header_bytes = 0  # the payload is read with `read`, unbounded by this
        return record


# JSON

# A string (its end optional, so that an unterminated one is passed over in one step, and
# possessive, so that nothing is tried twice) or a bracket: one pass over the text.
_JSON_TOKEN = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?|[\[\]{}]', re.DOTALL)


def json_too_deep(text: str, limit: int) -> bool:
    """Whether `text`, read as JSON, nests arrays and objects more than `limit` deep
    (measured without parsing it, so that the parser's recursion never comes near its
    limit)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False
