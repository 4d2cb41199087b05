import gzip
import os

import pytest

from curation.cli import main
from curation.warc import _dechunk, decode_html, iter_pages, read_record_at

from helpers import stats

BAD = {
    "warcio__example-trunc.warc": "unreadable record",
    "resiliparse__clipped.warc.gz": "truncated record",
}


def test_every_shared_warc_reads_and_roundtrips_by_offset(shared_data):
    for path in sorted((shared_data / "warc").iterdir()):
        pages = list(iter_pages(str(path)))
        assert pages, path.name
        for page in pages:
            if page.error is None:
                again = read_record_at(str(path), page.offset)
                assert (again.url, again.body) == (page.url, page.body)
    dolma = list(iter_pages(str(shared_data / "warc" / "dolma__sample-0000.warc.gz")))
    assert len(dolma) == 22 and all(not p.url.startswith("<") for p in dolma)


@pytest.mark.parametrize("name, reason", sorted(BAD.items()))
def test_bad_records_are_counted_with_file_and_offset(shared_data, tmp_path, name, reason):
    out = tmp_path / "out"
    path = shared_data / "warc" / name
    assert main(["run", os.path.join(os.path.dirname(__file__), "..", "..", "pipelines.yaml"),
                 "--only", "web", "--input", str(path), "--output", str(out)]) == 0
    rows = stats(str(out), "select reason, warc_file, warc_offset from docs where dropped_by = 'reader'")
    assert any(reason in r[0] and r[1] == str(path) and r[2] is not None for r in rows), rows


def test_all_shared_warcs_go_through_web_without_a_crash(shared_data, tmp_path):
    out = tmp_path / "out"
    glob_input = str(shared_data / "warc" / "*")
    recipe = os.path.join(os.path.dirname(__file__), "..", "..", "pipelines.yaml")
    assert main(["run", recipe, "--only", "web", "--input", glob_input, "--output", str(out), "--tasks", "3"]) == 0
    records = [pg.record_id for p in (shared_data / "warc").iterdir() for pg in iter_pages(str(p))]
    (n,) = stats(str(out), "select count(*) from docs")[0]
    (distinct,) = stats(str(out), "select count(distinct doc_id) from docs")[0]
    # one row per record read; two of the files are copies sharing a WARC-Record-ID
    assert n == len(records) and distinct == len(set(records))
    # a rerun resumes: nothing doubles
    assert main(["run", recipe, "--only", "web", "--input", glob_input, "--output", str(out), "--tasks", "3"]) == 0
    assert stats(str(out), "select count(*) from docs")[0][0] == n


def test_charsets_declared_meta_and_detected():
    text = "Привет, это страница о математике и уравнениях второй степени. " * 5
    body = f"<html><body><p>{text}</p></body></html>".encode("cp1251")
    assert decode_html(body, "text/html; charset=windows-1251") == (body.decode("cp1251"), "windows-1251")
    meta = b"<html><head><meta charset='windows-1251'></head>" + body
    decoded, charset = decode_html(meta, "text/html")
    assert text in decoded and charset == "windows-1251"
    decoded, charset = decode_html(body, "text/html")  # nothing declared: detected
    assert text in decoded
    latin = "<p>Caf\xe9 na\xefve r\xe9sum\xe9 of the theorem and its proof, with the details here.</p>".encode("latin-1") * 3
    assert "Café naïve résumé" in decode_html(latin, "")[0]


def test_non_utf8_sample_page_is_decoded(tmp_path):
    from curation.sample import write_sample_warcs

    paths = write_sample_warcs(str(tmp_path), pages=30, seed=0, files=1)
    legacy = [p for p in iter_pages(paths[0]) if "legacy" in p.url]
    assert legacy and "Naïve set theory at the café" in legacy[0].html


def test_chunked_bodies():
    assert _dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n") == b"Wikipedia"
    with pytest.raises(ValueError):
        _dechunk(b"ff\r\nshort\r\n")


def test_gzip_and_plain_files_equivalent(tmp_path):
    from curation.sample import write_sample_warcs

    (gz,) = write_sample_warcs(str(tmp_path), pages=20, seed=3, files=1)
    plain = tmp_path / "plain.warc"
    with gzip.open(gz) as f:
        plain.write_bytes(f.read())
    a = [(p.url, p.body, p.error is None) for p in iter_pages(gz)]
    b = [(p.url, p.body, p.error is None) for p in iter_pages(str(plain))]
    assert a == b
