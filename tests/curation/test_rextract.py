"""The rextract pipeline: precise re-extraction of the survivors from their WARC records."""
from __future__ import annotations

import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from curation.cli import main
from curation.docio import DOC_SCHEMA
from curation.extract import ExtractionConfig, extract_fast, extract_precise
from curation.steps.rextract import PreciseReextraction
from curation.warc import iter_pages

from helpers import parquet_ids, stats, write_yaml
from test_mathhtml import KATEX, STACK_EXCHANGE, WIKIPEDIA


def write_warc(path, pages: list[tuple[str, str]]) -> list[int]:
    """A gzipped WARC with one response record per (url, html); returns the record offsets."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    offsets = []
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, html in pages:
            offsets.append(f.tell())
            body = html.encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return offsets


def fast_docs(path) -> list[Document]:
    """What the web pipeline hands on: fast-pass text and the WARC reference."""
    docs = []
    for p in iter_pages(str(path)):
        ex = extract_fast(p.html, p.url)
        docs.append(Document(text=ex.text, id=p.record_id, metadata={
            "url": p.url, "warc_file": p.file, "warc_offset": p.offset, "math_markup": sum(ex.math_markup.values())}))
    return docs


def run_step(docs, **config) -> list[Document]:
    step = PreciseReextraction(ExtractionConfig(**config))
    return list(step.run(iter(docs)))


PAGES = [("https://katex.example/euler", KATEX), ("https://en.wikipedia.example/wiki/Pythagoras", WIKIPEDIA),
         ("https://math.stackexchange.example/questions/255", STACK_EXCHANGE)]


@pytest.mark.parametrize("timeout_s", [None, 30.0], ids=["in-process", "sandboxed"])
def test_reextracts_from_the_warc_record(tmp_path, timeout_s):
    path = tmp_path / "pages.warc.gz"
    write_warc(path, PAGES)
    docs = fast_docs(path)
    out = run_step(docs, timeout_s=timeout_s)
    assert [d.id for d in out] == [d.id for d in docs]
    for doc, (url, html) in zip(out, PAGES):
        md = doc.metadata
        assert md["rextract_status"] == "ok"
        expected = extract_precise(html, url)
        assert doc.text == expected.text
        assert md["math_markup_families"] == expected.math_markup
        assert md["math_markup"] == sum(expected.math_markup.values()) and md["tex_fragments"] == expected.tex_fragments
        assert md["n_chars"] == len(doc.text) and md["n_words"] == len(doc.text.split())
    assert out[1].metadata["layout"] == "wiki" and "$$a^{2}+b^{2}=c^{2}.$$" in out[1].text


def test_unreadable_records_keep_their_fast_text(tmp_path):
    path = tmp_path / "pages.warc.gz"
    offsets = write_warc(path, PAGES[:1])
    good = fast_docs(path)[0]

    def doc(i, **md):
        return Document(text=f"fast text {i}", id=f"d{i}", metadata={"url": "https://x.example/", **md})

    docs = [
        doc(0),  # a user's parquet: no WARC reference at all
        doc(1, warc_file=str(tmp_path / "gone.warc.gz"), warc_offset=0),  # file gone
        doc(2, warc_file=str(path), warc_offset=offsets[0] + 7),  # offset inside a record
        doc(3, warc_file=str(path), warc_offset=10**9),  # past the end
        good,
    ]
    out = run_step(docs, timeout_s=None)
    assert [d.metadata["rextract_status"] for d in out] == ["no_warc_ref", "warc_unreadable", "warc_unreadable",
                                                          "warc_unreadable", "ok"]
    assert [d.text for d in out[:4]] == [f"fast text {i}" for i in range(4)]


def test_moved_warcs_are_found_under_warc_root(tmp_path):
    path = tmp_path / "moved" / "pages.warc.gz"
    path.parent.mkdir()
    write_warc(path, PAGES[:1])
    doc = fast_docs(path)[0]
    doc.metadata["warc_file"] = "/data/old/place/pages.warc.gz"
    step = PreciseReextraction(ExtractionConfig(timeout_s=None), warc_root=str(path.parent))
    assert list(step.run(iter([doc])))[0].metadata["rextract_status"] == "ok"


@pytest.mark.timeout(120)
def test_a_page_over_its_timeout_keeps_its_fast_text_and_the_next_page_is_fine(tmp_path):
    # ~1.5 MB of prose: trafilatura needs many seconds for it, far over the 2 s bound
    big = "<html><body>" + "".join(f"<div><p>Paragraph {i} of a very long page, with words.</p></div>" for i in range(25000)) + "</body></html>"
    path = tmp_path / "pages.warc.gz"
    write_warc(path, [("https://big.example/", big), PAGES[0]])
    docs = fast_docs(path)
    out = run_step(docs, timeout_s=2.0)
    assert out[0].metadata["rextract_status"] == "timeout" and out[0].text == docs[0].text
    assert out[1].metadata["rextract_status"] == "ok" and "$e^{i\\pi} + 1 = 0$" in out[1].text


def test_pipeline_after_web_end_to_end(tmp_path, capsys):
    """octo-curate run: web (fast pass) then rextract (precise pass) on the generated sample."""
    out = tmp_path / "out"
    cfg = write_yaml(tmp_path / "recipe.yaml", f"""
output: {out}
executor: {{type: local, tasks: 2, workers: 1}}
pipelines:
  web:
    input:
      sample: {{pages: 40, seed: 5, files: 2}}
  rextract:
    depends_on: [web]
    extraction: {{timeout_s: 30}}
""")
    assert main(["run", cfg]) == 0
    kept = parquet_ids(str(out / "web" / "data"))
    assert kept and sorted(parquet_ids(str(out / "rextract" / "data"))) == sorted(kept)
    rows = stats(str(out), "select rextract_status, count(*) from docs where pipeline = 'rextract' group by 1")
    assert rows == [("ok", len(kept))]
    # the math survives the second pass, and its markup counts are in the stats
    n_math = stats(str(out), "select count(*) from docs where pipeline = 'rextract' and math_markup > 0 and tex_fragments > 0")[0][0]
    assert n_math >= 5
    # each text is the precise pass of the original record
    table = pq.read_table(str(out / "rextract" / "data"))
    recs = {r["id"]: r for r in table.to_pylist()}
    pages = {p.record_id: p for f in sorted((out / "sample").glob("*.warc.gz")) for p in iter_pages(str(f))}
    for doc_id in kept[:10]:
        page = pages[doc_id]
        assert recs[doc_id]["text"] == extract_precise(page.html, page.url).text
        assert json.loads(recs[doc_id]["metadata"])["rextract_status"] == "ok"


def test_pipeline_on_a_users_parquet(tmp_path):
    """A user's own parquet (no WARC columns): every document comes through with its text."""
    out = tmp_path / "out"
    data = out / "web" / "data"
    data.mkdir(parents=True)
    rows = [{"id": f"u{i}", "text": f"user text {i} with $x^{i}$", "url": f"https://u.example/{i}",
             "metadata": json.dumps({"source": "mine"})} for i in range(5)]
    pq.write_table(pa.Table.from_pylist(rows, schema=DOC_SCHEMA), str(data / "mine.parquet"))
    cfg = write_yaml(tmp_path / "recipe.yaml", f"""
output: {out}
executor: {{type: local, tasks: 1, workers: 1}}
pipelines:
  rextract:
    depends_on: [web]
""")
    assert main(["run", cfg, "--only", "rextract"]) == 0
    table = pq.read_table(str(out / "rextract" / "data")).to_pylist()
    assert sorted(r["text"] for r in table) == sorted(r["text"] for r in rows)
    assert stats(str(out), "select rextract_status, count(*) from docs group by 1") == [("no_warc_ref", 5)]
    assert os.path.exists(out / "stats" / "rextract")


def test_config_is_validated():
    from curation.config import ConfigError, validate

    cfg = validate({"pipelines": {"rextract": {"extraction": {"favor_precision": False, "timeout_s": 5}}}})
    assert cfg.pipelines.rextract.depends_on == ["dedup"]
    assert cfg.pipelines.rextract.extraction.timeout_s == 5
    with pytest.raises(ConfigError, match="pipelines.rextract.extraction.no_such: unknown field"):
        validate({"pipelines": {"rextract": {"extraction": {"no_such": 1}}}})
