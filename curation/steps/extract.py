"""HTML -> text, math-aware (curation/extract.py). The raw-HTML math signal is recorded too."""
from __future__ import annotations

from curation.steps.base import OctoStep


class ExtractText(OctoStep):
    name = "extract"

    def __init__(self, mode: str = "fast", min_chars: int = 1, config=None):
        super().__init__()
        self.mode, self.min_chars = mode, min_chars
        self.config = config  # curation.extract.ExtractionConfig; None: its defaults

    def process(self, doc):
        from curation import extract

        fn = extract.extract_fast if self.mode == "fast" else extract.extract_precise
        try:
            result = fn(doc.text, doc.metadata.get("url"), self.config)
        except Exception as e:  # one bad page must not end the task
            doc.text = ""
            return f"extraction_error:{type(e).__name__}"
        doc.text = result.text or ""
        doc.metadata["math_markup_families"] = result.math_markup
        doc.metadata["math_markup"] = sum(result.math_markup.values())
        doc.metadata["tex_fragments"] = result.tex_fragments
        if result.fallback:  # math rewrite cut short (time budget, MathML too deep): counted
            self.stat_update(f"math_fallback:{result.fallback.split(':')[0]}")
        doc.metadata["n_chars"] = len(doc.text)
        doc.metadata["n_words"] = len(doc.text.split())
        if len(doc.text.strip()) < self.min_chars:
            return "empty_text"
        return None
