"""Golden test inputs."""

from __future__ import annotations

from typing import Callable, List, Tuple

# (name, route, text)
Case = Tuple[str, str, str]

EDGE_CASES: List[Tuple[str, str]] = [
    ("single-word", "rebase"),
    ("punctuation-heavy", "Wait... what?! (yes) -- [no]; {maybe} 'single' \"double\" #hash @at $5 %p ^c &amp; *star* ~tilde~ a/b\\c"),
    ("digits", "Version 2.43.0 was released on 2024-02-12 with 1,234 changes; pi is 3.14159 and 0x1F is hex."),
    ("accented-latin", "café naïve résumé Ångström façade Zürich señor"),
    ("emoji", "I 🙂 like git 👍🏽 a lot 🚀"),
    ("html-markup", "<b>bold</b> &amp; <script>alert(1)</script>"),
    ("control-chars", "tab\there\nnew line\u0001control\rcarriage\u007fdel"),
    ("zero-width-joiner", "zero\u200dwidth joiner and family 👨\u200d👩\u200d👧 emoji"),
    ("special-token-literal", "a literal [MASK] and [CLS] inside the text"),
    ("whitespace-only", " \t\n  \u3000 "),
    ("empty", ""),
]

EN_SENTENCES = [
    ("sentence-git", "Git is a fast, scalable, distributed revision control system with an unusually rich command set."),
    ("sentence-rebase", "Use git rebase to reapply your local commits on top of the updated upstream branch."),
    ("sentence-fox", "The quick brown fox jumps over the lazy dog."),
    ("sentence-browser", "Hello world! This tiny SPLADE model runs entirely in the browser with WebGPU."),
]
EN_QUERIES = [
    ("query-undo-commit", "undo the last commit"),
    ("query-delete-branch", "delete a remote branch"),
    ("query-merge-conflicts", "How do I resolve merge conflicts?"),
]
EN_QUERY_EDGE = [
    ("query-with-unknown", "🙂 commit message ☃"),
    ("query-empty", ""),
    ("query-repeated", "branch branch BRANCH branches"),
]
KO_IN_EN = [
    ("korean", "깃은 분산 버전 관리 시스템입니다."),
    ("mixed-korean-english", "레이어 layer를 선택 selection 합니다"),
]

KO_SENTENCES = [
    ("sentence-brush", "새 붓을 손쉽게 만드는 방법에는 두가지가 있습니다."),
    ("sentence-pencil", "이미지를 확대해서 검정색 연필로 그림을 그립니다."),
    ("sentence-layer", "레이어를 복사하려면 레이어 대화 상자에서 복제 버튼을 누릅니다."),
    ("sentence-english", "GIMP is a free and open source raster graphics editor."),
    ("mixed-korean-english", "GIMP 2.10에서는 레이어 layer를 선택 selection 할 수 있습니다."),
]
KO_QUERIES = [
    ("query-layer-copy", "레이어 복사"),
    ("query-brush", "붓 만들기"),
    ("query-image-size", "이미지 크기 바꾸기"),
]


def long_text(paragraphs: List[str], count_tokens: Callable[[str], int], lo: int, hi: int) -> str:
    """Concatenate paragraphs, then drop words from the end until lo <= tokens <= hi."""
    text = ""
    for p in paragraphs:
        text = (text + " " + p).strip()
        if count_tokens(text) >= hi:
            break
    words = text.split(" ")
    while count_tokens(" ".join(words)) > hi:
        words.pop()
    text = " ".join(words)
    n = count_tokens(text)
    if not lo <= n <= hi:
        raise SystemExit(f"long text has {n} tokens, wanted {lo}..{hi}")
    return text
