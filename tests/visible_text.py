"""What a reader sees of a page or export, and the words in it that are not Chinese.

A page's visible text is its HTML without tags, attributes, scripts and styles. A "foreign"
word is a snake_case identifier (a code that escaped its label) or an English word that is not
on the short list of tokens a Chinese page legitimately shows (units, file formats, acronyms).
E-mail addresses, web addresses, unified social credit codes and model version names are data,
and are left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tokens a Chinese page or export may show as they are.
ALLOWED = {
    "API",
    "XLSX",
    "CSV",
    "csv",  # file names' extensions
    "xlsx",
    "ID",
    "URL",
    "HTTP",
    "HTTPS",
    "JSON",
    "OpenAPI",
    "Token",
    "English",  # the language switch names the language in itself
    "Excel",  # the spreadsheet program a report opens in
    "UTF",  # the encodings an import file may be in
    "GBK",
    "MRR",  # ranking measures (mean reciprocal rank)
    "IP",  # 知识产权 (IP) in product kinds
    "PDF",  # document file types a firm may upload
    "JPG",
    "PNG",
    "AUC",
    "NDCG",
    "Top",
    "GB",
    "MB",
    "KB",
}
_DATA = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+"  # web addresses
    r"|\b[0-9A-HJ-NPQRTUWXY]{18}\b"  # unified social credit codes
    r"|\bm[0-9a-f]{16}\b"  # model version names
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class _Visible(HTMLParser):
    # Not read as words: scripts, styles and commands to type (`<kbd>`).
    SKIPPED = {"script", "style", "template", "noscript", "kbd"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees on the page, one space between pieces."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def foreign_words(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """Snake_case identifiers and English words in `text`, in order, each once."""
    found: list[str] = []
    for token in _TOKEN.findall(_DATA.sub(" ", str(text))):
        if token in ALLOWED or token in allowed or token in found:
            continue
        if "_" in token or (len(token) > 1 and not token.isdigit()):
            found.append(token)
    return found
