"""Reading WARC files: inputs (local, s3://, https://, a crawl name), records, charsets.

Records are read with FastWARC without its HTTP parsing, so we see the whole block and can tell
a truncated record (block shorter than its Content-Length) from a whole one, and keep going past
bad chunked encodings. Every response record becomes a Document; the ones we cannot use are
marked dropped with the reason, so they still get a stats row and land in `excluded/reader/`.
"""
from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlsplit

from loguru import logger

CC_BASE = "https://data.commoncrawl.org/"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)


@dataclass
class WarcPage:
    """One response record, HTTP headers parsed."""

    file: str
    offset: int
    record_id: str
    url: str
    date: str | None
    http_status: int | None = None
    http_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None  # why this record can't be used as a page (None: fine)

    @property
    def content_type(self) -> str:
        return self.http_headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def html(self) -> str:
        return decode_html(self.body, self.http_headers.get("content-type", ""))[0]


def open_input(path: str):
    """A binary file object for a local path, s3:// or http(s):// URL."""
    if "://" not in path:
        return open(path, "rb")
    import fsspec

    if path.startswith("s3://"):
        # Common Crawl's bucket is public; anonymous unless credentials are configured.
        return fsspec.open(path, "rb", anon=True).open()
    return fsspec.open(path, "rb").open()


def crawl_warc_paths(crawl: str, segments: list[str] | None = None, max_files: int | None = None,
                     base: str = CC_BASE) -> list[str]:
    """Expand `crawl: CC-MAIN-2024-46` (+ segments) through the crawl's warc.paths.gz."""
    url = f"{base}crawl-data/{crawl}/warc.paths.gz"
    with open_input(url) as f:
        lines = gzip.decompress(f.read()).decode().split()
    if segments:
        wanted = tuple(f"/segments/{s}/" for s in segments)
        lines = [p for p in lines if any(w in p for w in wanted)]
    if max_files:
        lines = lines[:max_files]
    return [base + p for p in lines]


def _split_http(block: bytes) -> tuple[int | None, dict[str, str], bytes] | None:
    sep = block.find(b"\r\n\r\n")
    skip = 4
    if sep < 0:
        sep, skip = block.find(b"\n\n"), 2
    if sep < 0 or not block.startswith(b"HTTP/"):
        return None
    head = block[:sep].decode("iso-8859-1").splitlines()
    try:
        status = int(head[0].split()[1])
    except (IndexError, ValueError):
        status = None
    headers = {}
    for line in head[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers, block[sep + skip:]


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol].split(b";")[0].strip(), 16)
        if size == 0:
            return bytes(out)
        start = eol + 2
        if start + size > len(body):
            raise ValueError("chunk runs past the end")
        out += body[start:start + size]
        pos = start + size + 2


def _decode_transfer(headers: dict[str, str], body: bytes) -> tuple[bytes, str | None]:
    """Undo chunking and compression. Returns (body, note); on failure the raw body is kept."""
    note = None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        try:
            body = _dechunk(body)
        except (ValueError, IndexError):
            note = "bad chunked encoding (raw body kept)"
    enc = headers.get("content-encoding", "").lower().strip()
    if enc in ("gzip", "x-gzip", "deflate"):
        try:
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS if "gzip" in enc else zlib.MAX_WBITS)
        except zlib.error:
            try:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
            except zlib.error:
                note = f"bad {enc} content encoding (raw body kept)"
    return body, note


def decode_html(body: bytes, content_type_header: str = "") -> tuple[str, str]:
    """Decode by the declared charset (HTTP header, then <meta>), else a detected one."""
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    charset = None
    m = _HEADER_CHARSET.search(content_type_header or "")
    if m:
        charset = m.group(1).decode() if isinstance(m.group(1), bytes) else m.group(1)
    if not charset:
        m = _META_CHARSET.search(body[:4096])
        if m:
            charset = m.group(1).decode("ascii", "replace")
    if charset:
        try:
            return body.decode(charset), charset.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    detected = detect_encoding(body[:65536])
    return bytes_to_str(body, detected), detected


def _clean_uri(uri: str | None) -> str:
    uri = (uri or "").strip()
    return uri[1:-1] if uri.startswith("<") and uri.endswith(">") else uri


def iter_pages(path: str, fileobj=None) -> Iterator[WarcPage]:
    """Every response record of a WARC file; an unreadable tail yields one page with `error`."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    f = fileobj or open_input(path)
    last_offset = 0
    try:
        records = ArchiveIterator(f, record_types=WarcRecordType.response, parse_http=False)
        while True:
            try:
                rec = next(records)
            except StopIteration:
                return
            except Exception as e:  # corrupt header or gzip member: nothing after it is readable
                logger.warning(f"{path}@{last_offset}: unreadable WARC data after this offset ({e})")
                yield WarcPage(path, last_offset, f"{path}@{last_offset}:unreadable", "", None,
                               error=f"unreadable record: {e}")
                return
            last_offset = rec.stream_pos
            h = rec.headers
            page = WarcPage(
                file=path,
                offset=rec.stream_pos,
                record_id=_clean_uri(h.get("WARC-Record-ID")).removeprefix("urn:uuid:"),
                url=_clean_uri(h.get("WARC-Target-URI")),
                date=h.get("WARC-Date"),
            )
            if not page.record_id:
                page.record_id = f"{path}@{rec.stream_pos}"
            try:
                block = rec.reader.read()
            except Exception as e:
                page.error = f"unreadable record: {e}"
                logger.warning(f"{path}@{rec.stream_pos}: {page.error}")
                yield page
                continue
            if rec.content_length and len(block) < rec.content_length:
                page.error = f"truncated record ({len(block)} of {rec.content_length} bytes)"
                logger.warning(f"{path}@{rec.stream_pos}: {page.error}")
            parsed = _split_http(block)
            if parsed is None:
                page.error = page.error or "no HTTP response header"
                yield page
                continue
            page.http_status, page.http_headers, body = parsed
            page.body, note = _decode_transfer(page.http_headers, body)
            if note:
                logger.info(f"{path}@{rec.stream_pos}: {note}")
            yield page
    finally:
        if fileobj is None:
            f.close()


def read_record_at(path: str, offset: int) -> WarcPage:
    """The response record starting at `offset` (as recorded in metadata `warc_offset`)."""
    f = open_input(path)
    try:
        f.seek(offset)
        for page in iter_pages(path, fileobj=f):
            page.offset = offset
            return page
    finally:
        f.close()
    raise ValueError(f"{path}@{offset}: no response record there")


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def is_remote(path: str) -> bool:
    return "://" in path


def read_text_list(path: str) -> list[str]:
    """A block-list file: one entry a line, `#` comments, optionally gzip'd."""
    with open_input(path) as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    out = []
    for line in io.StringIO(data.decode("utf-8", "replace")):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out
