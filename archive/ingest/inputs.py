"""The inputs a command line names (files, the supported files in folders, globs, http(s)
URLs) and the documents, or errors, each yields."""

import glob
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .documents import IngestError, Item, size_limit, too_large
from .fetch import fetch_url
from .readers import (
    HTML_SUFFIXES,
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    WARC_SUFFIXES,
    parse_html,
    parse_text,
    read_jsonl,
    read_warc,
)

logger = logging.getLogger(__name__)


def is_url(value: str) -> bool:
    try:
        return urlsplit(value).scheme in ("http", "https")
    except ValueError:  # "http://[::1": an address it is not
        return False


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("text", TEXT_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("warc", WARC_SUFFIXES),
        ("jsonl", JSONL_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def expand_inputs(arguments: Iterable[str]) -> list[str | Path | IngestError]:
    """Files, the supported files inside folders (recursively), glob matches and URLs, in
    the order given; what does not exist is an error naming it."""
    inputs: list[str | Path | IngestError] = []
    for argument in arguments:
        if is_url(argument):
            inputs.append(argument)
            continue
        path = Path(argument)
        if path.is_dir():
            inputs.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and kind_of(p) is not None
            )
        elif path.is_file():
            inputs.append(path)
        elif glob.has_magic(argument):
            matches = sorted(Path(p) for p in glob.glob(argument, recursive=True))
            files = [p for p in matches if p.is_file() and kind_of(p) is not None]
            inputs.extend(files or [IngestError(argument, "no supported file matches")])
        else:
            inputs.append(IngestError(argument, "no such file, folder or URL"))
    return inputs


def read_input(value: str | Path | IngestError) -> Iterator[Item]:
    """The documents (or errors) one input yields. Whatever goes wrong reading it is an
    error naming the input (or the line or record of it), never an exception: the other
    inputs go on."""
    try:
        yield from _read(value)
    except Exception as exc:  # a reader's own failure on input nobody foresaw
        logger.exception("Reading %s failed", value)
        yield IngestError(str(value), f"cannot be read ({type(exc).__name__}: {exc})"[:1000])


def _read(value: str | Path | IngestError) -> Iterator[Item]:
    if isinstance(value, IngestError):
        yield value
        return
    if isinstance(value, str):
        try:
            yield fetch_url(value)
        except IngestError as exc:
            yield exc
        return
    kind = kind_of(value)
    if kind == "warc":
        yield from read_warc(value)
        return
    if kind == "jsonl":
        yield from read_jsonl(value)
        return
    if kind is None:
        yield IngestError(
            str(value), f"unsupported file type; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
        return
    try:
        if value.stat().st_size > size_limit():
            yield IngestError(str(value), too_large("the file"))
            return
        data = value.read_bytes()
        if kind == "text":
            yield parse_text(data, item=str(value))
        else:
            yield parse_html(data, item=str(value))
    except OSError as exc:
        yield IngestError(str(value), f"cannot read it: {exc.strerror or exc}")
    except IngestError as exc:
        yield exc
