"""URL filter: block-list files (domains or URL substrings) and domain allow/deny lists."""
from __future__ import annotations

from curation.steps.base import OctoStep
from curation.warc import domain_of, read_text_list


def _domain_matches(domain: str, entries: set[str]) -> str | None:
    """The entry matching `domain` or one of its parent domains (a.b.c -> b.c -> c)."""
    parts = domain.split(".")
    for i in range(len(parts)):
        cand = ".".join(parts[i:])
        if cand in entries:
            return cand
    return None


class UrlFilter(OctoStep):
    name = "url_filter"

    def __init__(self, deny_domains=(), allow_domains=(), blocklist_files=(), deny_substrings=()):
        super().__init__()
        self.deny = {d.lower().removeprefix("www.") for d in deny_domains}
        self.allow = {d.lower().removeprefix("www.") for d in allow_domains}
        self.blocklist_files = list(blocklist_files)
        self.deny_substrings = [s.lower() for s in deny_substrings]

    def setup(self, rank, world_size):
        # Block lists are read once per task, not at config time (they can be large or remote).
        for path in self.blocklist_files:
            for entry in read_text_list(path):
                entry = entry.lower()
                if "/" in entry:
                    self.deny_substrings.append(entry)
                else:
                    self.deny.add(entry.removeprefix("www."))
        self.blocklist_files = []

    def process(self, doc):
        url = (doc.metadata.get("url") or "").lower()
        domain = doc.metadata.get("domain") or domain_of(url)
        hit = _domain_matches(domain, self.deny)
        if hit:
            return f"denied_domain:{hit}"
        if self.allow and not _domain_matches(domain, self.allow):
            return "not_in_allow_list"
        for s in self.deny_substrings:
            if s in url:
                return f"blocked_url:{s}"
        return None
