"""Exporting a capture as a standalone WARC file (ISO 28500), with block and payload digests
that `warcio check` verifies."""

import datetime as dt
import io
import json

from warcio.warcwriter import WARCWriter

from .models import Capture


def capture_uri(capture: Capture) -> str:
    """The capture's target URI: the article's URL, else a URN naming the capture."""
    return capture.article.url or f"urn:claimdesk:capture:{capture.pk}"


def capture_warc(capture: Capture, *, gzip: bool = False) -> bytes:
    """A WARC file holding `capture`: a warcinfo record, a `resource` record with its text,
    a `resource` record with the raw payload if there is one, and a `metadata` record
    describing the article, the origin and the SHA-256."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip, warc_version="1.1")
    article = capture.article
    uri = capture_uri(capture)
    date = capture.captured_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    writer.write_record(
        writer.create_warcinfo_record(
            f"claimdesk-capture-{capture.pk}.warc",
            {
                "software": "Claimdesk",
                "format": "WARC File Format 1.1",
                "description": f"Capture {capture.pk} of article {article.pk}",
            },
        )
    )

    text = writer.create_warc_record(
        uri,
        "resource",
        payload=io.BytesIO(capture.text.encode("utf-8")),
        warc_content_type="text/plain; charset=utf-8",
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(text)
    text_id = text.rec_headers.get_header("WARC-Record-ID")

    if capture.raw:
        raw = writer.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(bytes(capture.raw)),
            warc_content_type=capture.raw_content_type or "application/octet-stream",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": text_id},
        )
        writer.write_record(raw)

    metadata = {
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "source": article.source.slug if article.source else None,
            "language": article.language,
            "authors": article.authors,
            "published_at": article.published_at.isoformat() if article.published_at else None,
        },
        "capture": {
            "id": capture.pk,
            "captured_at": capture.captured_at.isoformat(),
            "sha256": capture.sha256,
            "origin": capture.origin,
            "origin_location": capture.origin_location,
            "warc_record_id": capture.warc_record_id,
            "redirects": capture.redirects,
            "extractor": capture.extractor,
        },
    }
    headers = {"WARC-Date": date, "WARC-Refers-To": text_id}
    if capture.warc_record_id:
        headers["WARC-Refers-To"] = capture.warc_record_id
        headers["WARC-Concurrent-To"] = text_id
    writer.write_record(
        writer.create_warc_record(
            uri,
            "metadata",
            payload=io.BytesIO(json.dumps(metadata, ensure_ascii=False, indent=2).encode()),
            warc_content_type="application/json",
            warc_headers_dict=headers,
        )
    )
    return buffer.getvalue()
