"""Plain-text extraction from the Debian documentation packages used as corpora.

* English: git's HTML manual (package ``git-doc``, /usr/share/doc/git/html).
* Korean:  the GIMP user manual in Korean (package ``gimp-help-ko``).

Every function here is deterministic: files are visited in sorted order and the
HTML is reduced to blocks of text (paragraphs, list items, headings, table cells,
pre blocks) with whitespace collapsed.
"""

from __future__ import annotations

import glob
import html.parser
import os
import re
from dataclasses import dataclass, field
from typing import List

GIT_HTML_DIR = "/usr/share/doc/git/html"
GIMP_KO_DIR = "/usr/share/gimp/2.0/help/ko"
LIBREOFFICE_KO_DIR = "/usr/share/libreoffice/help/ko"
DEBIAN_FAQ_KO_DIR = "/usr/share/doc/debian/FAQ/ko"
HUNSPELL_KO_DIC = "/usr/share/hunspell/ko.dic"

_BLOCK_TAGS = {
    "p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th",
    "tr", "pre", "br", "table", "ul", "ol", "dl", "blockquote", "section", "hr",
    "caption", "figure", "title",
}
_SKIP_TAGS = {"script", "style", "head", "header", "aside", "nav", "noscript", "footer"}
_SKIP_DIV_CLASSES = {"navheader", "navfooter", "toc", "footer-text", "footer"}
_WS = re.compile(r"\s+")


@dataclass
class HtmlDoc:
    path: str
    title: str = ""
    blocks: List[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def text(self) -> str:
        return "\n".join(self.blocks)


class _Extractor(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: List[str] = []
        self.title_parts: List[str] = []
        self._cur: List[str] = []
        self._skip_depth = 0  # inside <script>/<style>/<head>
        self._div_stack: List[bool] = []  # True for divs we skip
        self._in_title = False

    # -- helpers -------------------------------------------------------------
    def _skipping(self) -> bool:
        return self._skip_depth > 0 or any(self._div_stack)

    def _flush(self) -> None:
        text = _WS.sub(" ", "".join(self._cur)).strip()
        if text:
            self.blocks.append(text)
        self._cur = []

    # -- parser callbacks ----------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
            return
        if tag == "div":
            classes = set((attrs.get("class") or "").split())
            ids = {attrs.get("id") or ""}
            self._div_stack.append(bool(classes & _SKIP_DIV_CLASSES or ids & _SKIP_DIV_CLASSES))
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "div" and self._div_stack:
            self._div_stack.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        if self._skipping():
            return
        self._cur.append(data)

    def close(self):
        super().close()
        self._flush()


def extract_html(path: str) -> HtmlDoc:
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    p = _Extractor()
    p.feed(raw)
    p.close()
    title = _WS.sub(" ", "".join(p.title_parts)).strip()
    return HtmlDoc(path=path, title=title, blocks=p.blocks)


def _html_files(directory: str) -> List[str]:
    files = sorted(glob.glob(os.path.join(directory, "*.html")))
    if not files:
        raise SystemExit(f"no HTML files in {directory}: is the Debian package installed?")
    return files


def git_docs() -> List[HtmlDoc]:
    return [extract_html(p) for p in _html_files(GIT_HTML_DIR)]


def gimp_ko_docs() -> List[HtmlDoc]:
    return [extract_html(p) for p in _html_files(GIMP_KO_DIR)]


def libreoffice_ko_docs() -> List[HtmlDoc]:
    files = sorted(glob.glob(os.path.join(LIBREOFFICE_KO_DIR, "**", "*.html"), recursive=True))
    if not files:
        raise SystemExit(f"no HTML files in {LIBREOFFICE_KO_DIR}: install libreoffice-help-ko")
    return [extract_html(p) for p in files]


def debian_faq_ko_docs() -> List[HtmlDoc]:
    return [extract_html(p) for p in _html_files(DEBIAN_FAQ_KO_DIR)]


def hunspell_ko_words() -> List[str]:
    """Stems of the Korean hunspell dictionary (first line is the count)."""
    out: List[str] = []
    with open(HUNSPELL_KO_DIC, encoding="utf-8") as f:
        next(f)
        for line in f:
            w = line.split("/", 1)[0].strip()
            if w:
                out.append(w)
    return out


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def hangul_ratio(text: str) -> float:
    h = len(_HANGUL.findall(text))
    l = len(_LATIN.findall(text))
    return h / max(1, h + l)


_SENT_SPLIT = re.compile(r"(?<=[.!?。])\s+")


def sentences(blocks: List[str], min_chars: int = 8) -> List[str]:
    out: List[str] = []
    for b in blocks:
        for s in _SENT_SPLIT.split(b):
            s = s.strip()
            if len(s) >= min_chars:
                out.append(s)
    return out


def chunks(blocks: List[str], target_chars: int) -> List[str]:
    """Group consecutive blocks into chunks of roughly target_chars characters."""
    out: List[str] = []
    cur: List[str] = []
    n = 0
    for b in blocks:
        cur.append(b)
        n += len(b) + 1
        if n >= target_chars:
            out.append(" ".join(cur))
            cur, n = [], 0
    if cur:
        out.append(" ".join(cur))
    return out
