"""A small XLM-RoBERTa-style SentencePiece Unigram tokenizer for the XLM-R fixture, and an
independent Python implementation of it (the reference ids, checked against @huggingface/tokenizers).

The pieces are a subset of public/models/splade-tiny-ko's Unigram vocabulary (trained by
scripts/make_models.py on Korean manuals and the English git manual): every single-character
piece plus the highest-scoring longer pieces, with their scores, in their original order. Ids
follow XLM-R: <s>=0, <pad>=1, </s>=2, <unk>=3, the pieces from 4, <mask> last. The normalizer is
the tiny Korean model's (control characters dropped, whitespace variants to a space, NFKC,
repeated spaces collapsed, stripped): real XLM-R repos use a Precompiled (nmt_nfkc) charsmap that
cannot be made without sentencepiece; both give the same result on the fixture texts.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from typing import List, Sequence, Tuple

from common import REPO, write_json

SOURCE = os.path.join(REPO, "public", "models", "splade-tiny-ko", "tokenizer.json")
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
MASK = "<mask>"
UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY: an unknown character scores min_score - 10


def select_pieces(n_pieces: int, source: str = SOURCE) -> List[Tuple[str, float]]:
    """The first `n_pieces` pieces (after the 5 specials) of the source vocabulary that are
    either one character long or among the highest-scoring longer pieces; original order kept."""
    with open(source, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"][5:]
    singles = [i for i, (p, _) in enumerate(vocab) if len(p) == 1]
    longer = sorted((i for i, (p, _) in enumerate(vocab) if len(p) > 1), key=lambda i: (-vocab[i][1], i))
    keep = set(singles) | set(longer[: max(0, n_pieces - len(singles))])
    return [(vocab[i][0], float(vocab[i][1])) for i in sorted(keep)]


def source_normalizer(source: str = SOURCE) -> dict:
    with open(source, encoding="utf-8") as f:
        return json.load(f)["normalizer"]


def _added(i: int, content: str, lstrip: bool = False) -> dict:
    return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": False, "special": True}


def write_xlmr_tokenizer(folder: str, pieces: Sequence[Tuple[str, float]], model_max_length: int = 512) -> int:
    """tokenizer.json (Unigram, Metaspace, <s> $A </s>), tokenizer_config.json and
    special_tokens_map.json as an XLM-R repo has them. Returns the vocabulary size."""
    vocab = [[s, 0.0] for s in SPECIALS] + [[p, s] for p, s in pieces] + [[MASK, 0.0]]
    mask_id = len(vocab) - 1
    added = [_added(i, s) for i, s in enumerate(SPECIALS)] + [_added(mask_id, MASK, lstrip=True)]
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": source_normalizer(),
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }
    write_json(os.path.join(folder, "tokenizer.json"), tok, indent=None)
    decoder = {}
    for a in added:
        d = dict(a)
        decoder[str(d.pop("id"))] = d
    special_map = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": MASK,
                   "pad_token": "<pad>", "sep_token": "</s>", "unk_token": "<unk>"}
    cfg = {"added_tokens_decoder": decoder, "clean_up_tokenization_spaces": True, "model_max_length": model_max_length,
           "tokenizer_class": "XLMRobertaTokenizer", **special_map}
    write_json(os.path.join(folder, "tokenizer_config.json"), cfg)
    write_json(os.path.join(folder, "special_tokens_map.json"), special_map)
    return len(vocab)


class UnigramReference:
    """Independent encoder for the tokenizer write_xlmr_tokenizer writes: the normalizer steps,
    Metaspace (spaces -> U+2581, one prepended, split before each U+2581), then per word the
    Viterbi best segmentation by total piece score (an unknown character becomes <unk> with score
    min_score - 10, consecutive <unk> fused; on equal scores the first path found is kept, as
    tokenizers does), then <s> ... </s>."""

    def __init__(self, pieces: Sequence[Tuple[str, float]]):
        self.ids = {p: i + len(SPECIALS) for i, (p, _) in enumerate(pieces)}
        self.scores = {p: s for p, s in pieces}
        self.max_len = max(len(p) for p, _ in pieces)
        self.unk_score = min(0.0, min(s for _, s in pieces)) - UNK_PENALTY
        self.unk_id = 3

    @staticmethod
    def normalize(text: str) -> str:
        text = re.sub("[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]", "", text)
        text = re.sub("[\t\n\f\r\u00a0\u1680\u2000-\u200c\u200e\u200f\u2028\u2029\u202f\u205f\u2581\u3000\ufeff\ufffd]",
                      " ", text)
        text = unicodedata.normalize("NFKC", text.replace("\uff5e", "\ufdd0")).replace("\ufdd0", "\uff5e")
        return re.sub(" {2,}", " ", text).strip()

    def _viterbi(self, word: str) -> List[int]:
        n = len(word)
        best = [(-float("inf"), -1, None)] * (n + 1)  # (score, start, id)
        best[0] = (0.0, -1, None)
        for start in range(n):
            if best[start][0] == -float("inf"):
                continue
            found_single = False
            for end in range(start + 1, min(n, start + self.max_len) + 1):
                piece = word[start:end]
                if piece not in self.ids:
                    continue
                if end == start + 1:
                    found_single = True
                cand = best[start][0] + self.scores[piece]
                if cand > best[end][0]:
                    best[end] = (cand, start, self.ids[piece])
            if not found_single:
                cand = best[start][0] + self.unk_score
                if cand > best[start + 1][0]:
                    best[start + 1] = (cand, start, self.unk_id)
        out = []
        pos = n
        while pos > 0:
            _, start, i = best[pos]
            out.append(i)
            pos = start
        out.reverse()
        fused = []
        for i in out:
            if i == self.unk_id and fused and fused[-1] == self.unk_id:
                continue
            fused.append(i)
        return fused

    def encode(self, text: str) -> List[int]:
        s = self.normalize(text).replace(" ", "\u2581")
        if not s.startswith("\u2581"):
            s = "\u2581" + s
        words = [w for w in re.split("(?=\u2581)", s) if w]
        ids = [0]
        for w in words:
            ids.extend(self._viterbi(w))
        return ids + [2]
