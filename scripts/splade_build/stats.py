"""Document frequencies, IDF factors and association (expansion) pairs."""

from __future__ import annotations

import math
import re
from typing import Callable, Iterable, List, Sequence, Tuple

import numpy as np


def document_frequencies(chunks: Iterable[str], encode: Callable[[str], List[int]], vocab_size: int):
    df = np.zeros(vocab_size, dtype=np.int64)
    tf = np.zeros(vocab_size, dtype=np.int64)
    n = 0
    for c in chunks:
        ids = encode(c)
        if not ids:
            continue
        n += 1
        a = np.asarray(ids, dtype=np.int64)
        np.add.at(tf, a, 1)
        df[np.unique(a)] += 1
    return n, df, tf


def idf_values(n_docs: int, df: np.ndarray, special_ids: Sequence[int]):
    """idf = ln((N+1)/(df+1)); a token never seen gets a moderate default: the idf of a
    token found in 1% of the documents."""
    idf = np.log((n_docs + 1.0) / (df + 1.0))
    seen = df > 0
    default = float(math.log((n_docs + 1.0) / (0.01 * n_docs + 1.0)))
    idf = np.where(seen, idf, default)
    idf[list(special_ids)] = 0.0
    return idf, default


_WORD = re.compile(r"^[a-z]{3,}$")


def english_associations(vocab: List[str], df: np.ndarray, n_docs: int, min_df: int = 3,
                         max_df_frac: float = 0.4) -> List[Tuple[int, int]]:
    """(src, dst) pairs between inflected forms of whole-word tokens: plurals / -ing /
    -ed forms point to their stem, a stem points to its plural. Both must occur in the
    corpus (df >= min_df), very common words are left alone. Sorted by src df."""
    ids = {t: i for i, t in enumerate(vocab)}

    def best(cands, i):
        ok = []
        for c in cands:
            j = ids.get(c)
            if (j is not None and j != i and len(c) >= 3 and _WORD.match(c) and df[j] >= min_df
                    and df[j] <= max_df_frac * n_docs):
                ok.append((-len(c), -int(df[j]), j))
        return min(ok)[2] if ok else None

    pairs = []
    for t, i in ids.items():
        if not _WORD.match(t) or df[i] < min_df or df[i] > max_df_frac * n_docs:
            continue
        cands = []
        if t.endswith("ies"):
            cands.append(t[:-3] + "y")
        if t.endswith("es"):
            cands.append(t[:-2])
        if t.endswith("s") and not t.endswith("ss"):
            cands.append(t[:-1])
        if t.endswith("ing") and len(t) > 5:
            cands += [t[:-3], t[:-3] + "e"]
            if len(t) > 6 and t[-4] == t[-5]:
                cands.append(t[:-4])
        if t.endswith("ed") and len(t) > 4:
            cands += [t[:-2], t[:-1]]
            if len(t) > 5 and t[-3] == t[-4]:
                cands.append(t[:-3])
        dst = best(cands, i)
        if dst is None:
            dst = best([t + "es"] if t.endswith(("s", "x", "z", "ch", "sh")) else [t + "s"], i)
        if dst is not None:
            pairs.append((int(df[i]), i, dst))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    return [(i, d) for _, i, d in pairs]


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
KO_ENDINGS = sorted([
    "를", "을", "는", "은", "이", "가", "의", "에", "에서", "로", "으로", "와", "과", "도", "만",
    "에는", "에서는", "으로는", "로는", "에도", "까지", "부터", "처럼", "보다", "이나", "나", "이다",
    "입니다", "이며", "이고", "하고", "하는", "한", "할", "하면", "하여", "해", "해서", "합니다", "하기",
    "하려면", "했", "된", "되는", "됩니다", "되어", "되면", "될", "시킵니다", "들", "들을", "들이", "들의",
    "들은", "에게", "이라는", "라는", "적인", "적으로",
], key=len, reverse=True)


def korean_associations(pieces: List[str], freq: np.ndarray, special_ids: Sequence[int],
                        min_freq: int = 3) -> List[Tuple[int, int]]:
    """(src, dst) pairs for SentencePiece pieces: '▁stem+ending' -> '▁stem' (Korean particles
    and verb endings), a word-internal piece 'xyz' -> '▁xyz', English plurals -> singular."""
    ids = {p: i for i, p in enumerate(pieces)}
    sp = set(special_ids)
    pairs = []
    for p, i in ids.items():
        if i in sp or freq[i] < min_freq:
            continue
        dst = None
        if p.startswith("\u2581") and _HANGUL.search(p):
            body = p[1:]
            for e in KO_ENDINGS:
                if body.endswith(e) and len(body) - len(e) >= 2:
                    j = ids.get("\u2581" + body[: -len(e)])
                    if j is not None:
                        dst = j
                        break
        elif not p.startswith("\u2581") and len(p) >= 2 and _HANGUL.match(p):
            dst = ids.get("\u2581" + p)
        elif p.startswith("\u2581") and _WORD.match(p[1:]):
            w = p[1:]
            for c in ([w[:-1]] if w.endswith("s") and not w.endswith("ss") else []):
                j = ids.get("\u2581" + c)
                if j is not None and len(c) >= 3:
                    dst = j
        if dst is not None and dst not in sp:
            pairs.append((int(freq[i]), i, dst))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    return [(i, d) for _, i, d in pairs]
