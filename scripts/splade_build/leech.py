"""The 196560 minimal vectors of the Leech lattice, used as token directions.

Any two distinct minimal vectors of a lattice have cosine <= 1/2 (otherwise their
difference would be a shorter lattice vector), so these vectors are a spherical code
in 24 dimensions that is far better separated than random vectors: with them, a
tied MLM decoder can give a token's own vocabulary entry a large logit while every
other entry stays below a threshold.

Construction (coordinates scaled by sqrt(8), squared norm 32), from the extended
binary Golay code C (length 24, 4096 codewords):
  * (+-4, +-4, 0^22): any two positions, any signs                       1104
  * (+-2^8, 0^16): support an octad of C, even number of minus signs     97152
  * (-3, 1^23) with the sign of every position in a codeword flipped     98304
"""

from __future__ import annotations

import itertools

import numpy as np

# generator polynomial of the cyclic binary [23,12,7] Golay code
_G23 = [1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1]  # 1 + x^2 + x^4 + x^5 + x^6 + x^10 + x^11


def golay_codewords() -> np.ndarray:
    g = np.array(_G23, dtype=np.int64)
    words = []
    for m in range(1 << 12):
        coeffs = np.array([(m >> k) & 1 for k in range(12)], dtype=np.int64)
        w = np.convolve(coeffs, g) % 2  # length 23
        parity = w.sum() % 2
        words.append(np.concatenate([w, [parity]]))
    c = np.array(words, dtype=np.int8)
    weights = np.bincount(c.sum(axis=1), minlength=25)
    expected = {0: 1, 8: 759, 12: 2576, 16: 759, 24: 1}
    for k in range(25):
        if weights[k] != expected.get(k, 0):
            raise AssertionError(f"Golay code weight distribution wrong at {k}: {weights[k]}")
    return c


def leech_min_vectors() -> np.ndarray:
    """All 196560 minimal vectors, int8, shape [196560, 24], in a fixed order."""
    code = golay_codewords()
    out = []
    # shape 1
    for i, j in itertools.combinations(range(24), 2):
        for si in (4, -4):
            for sj in (4, -4):
                v = np.zeros(24, dtype=np.int8)
                v[i], v[j] = si, sj
                out.append(v)
    # shape 2: 2 * (-1)^bit on the octad positions, even number of minus signs
    octads = code[code.sum(axis=1) == 8]
    signs = np.array([[(s >> k) & 1 for k in range(8)] for s in range(1 << 8)], dtype=np.int8)
    signs = signs[signs.sum(axis=1) % 2 == 0]                      # 128 sign patterns
    vals = np.where(signs == 1, -2, 2).astype(np.int8)             # [128, 8]
    for o in octads:
        v = np.zeros((len(vals), 24), dtype=np.int8)
        v[:, np.nonzero(o)[0]] = vals
        out.extend(v)
    # shape 3
    base = np.ones((24, 24), dtype=np.int8) - 4 * np.eye(24, dtype=np.int8)  # row j: -3 at j
    for cw in code:
        flip = np.where(cw == 1, -1, 1).astype(np.int8)
        out.extend(base * flip[None, :])
    m = np.stack(out)
    if m.shape != (196560, 24) or not np.all((m.astype(np.int32) ** 2).sum(axis=1) == 32):
        raise AssertionError("Leech construction failed")
    return m


def check_max_cosine(vecs: np.ndarray, limit: float = 0.5 + 1e-6, chunk: int = 4096) -> float:
    """Largest cosine between two distinct rows (float32 rows); raises if above limit."""
    v = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    v = v.astype(np.float32)
    worst = -1.0
    for s in range(0, len(v), chunk):
        g = v[s:s + chunk] @ v.T
        idx = np.arange(s, min(s + chunk, len(v)))
        g[idx - s, idx] = -2.0
        worst = max(worst, float(g.max()))
    if worst > limit:
        raise AssertionError(f"max cosine {worst} > {limit}")
    return worst
