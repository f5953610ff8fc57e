"""SparseEncoder semantics in PyTorch: windows, SPLADE max pooling, special-id zeroing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Sequence

import numpy as np
import torch


def activation(name: str, x: torch.Tensor) -> torch.Tensor:
    """sentence-transformers SpladePooling activation functions (float32)."""
    if name == "relu":
        return torch.log1p(torch.relu(x))
    if name == "log1p_relu":
        return torch.log1p(torch.log1p(torch.relu(x)))
    raise ValueError(name)


# Two logits of one entry closer than this (in raw-logit units) make its argmax position ambiguous:
# fp32 runtimes (onnxruntime CPU, WASM, WebGPU) differ from PyTorch by up to ~3e-5 per logit on these
# models (scripts/build_report.json, onnx.max_abs_diff_real_tokens), so a gap under twice that may
# flip; 1e-4 leaves a margin. The tests accept another position only where it is listed.
POSITION_TOLERANCE = 1e-4


def make_windows(content_ids: Sequence[int], cls_id: int, sep_id: int, max_seq_length: int) -> List[List[int]]:
    step = max_seq_length - 2
    return [[cls_id] + list(content_ids[i:i + step]) + [sep_id] for i in range(0, len(content_ids), step)]


@dataclass
class SparseVec:
    windows: List[List[int]]
    indices: List[int] = field(default_factory=list)
    values: List[float] = field(default_factory=list)
    positions: List[List[int]] = field(default_factory=list)
    ambiguous: List[int] = field(default_factory=list)  # entries whose top-2 logits are within POSITION_TOLERANCE
    # per ambiguous entry: {"id", "gap" (best - second best logit), "positions": every [window, token]
    # whose logit is within POSITION_TOLERANCE of the best, the golden (first) one first}
    ties: List[dict] = field(default_factory=list)
    argmax_act_differs: int = 0

    def as_dict(self):
        return dict(zip(self.indices, self.values))


def encode_windows(logits_fn: Callable[[List[int]], torch.Tensor], windows: List[List[int]], act: str,
                   special_ids: Sequence[int]) -> SparseVec:
    """logits_fn(ids) -> float32 logits [len(ids), V] for one unpadded window."""
    if not windows:
        return SparseVec(windows=[])
    per = [logits_fn(w) for w in windows]
    where = [(wi, p) for wi, w in enumerate(windows) for p in range(len(w))]
    all_logits = torch.cat(per, dim=0)                         # [T, V]
    lg = all_logits.numpy()
    arg = np.argmax(lg, axis=0)                                # first occurrence on ties
    mx = lg[arg, np.arange(lg.shape[1])]
    vals = activation(act, torch.from_numpy(mx.copy())).numpy()
    vals[list(special_ids)] = 0.0
    nz = np.flatnonzero(vals > 0)
    out = SparseVec(windows=[list(map(int, w)) for w in windows])
    out.indices = [int(i) for i in nz]
    out.values = [float(np.float32(vals[i])) for i in nz]
    out.positions = [list(where[int(arg[i])]) for i in nz]
    if len(nz):
        sub = lg[:, nz]
        if sub.shape[0] > 1:
            part = np.sort(sub, axis=0)
            gap = part[-1] - part[-2]
            out.ambiguous = [int(nz[k]) for k in np.flatnonzero(gap < POSITION_TOLERANCE)]
            for k in np.flatnonzero(gap < POSITION_TOLERANCE):
                col = sub[:, k]
                best = int(arg[nz[k]])
                near = [int(t) for t in np.flatnonzero(col >= col[best] - POSITION_TOLERANCE) if int(t) != best]
                out.ties.append({"id": int(nz[k]), "gap": float(gap[k]),
                                 "positions": [list(where[best])] + [list(where[t]) for t in near]})
        act_all = activation(act, torch.from_numpy(sub.copy())).numpy()
        out.argmax_act_differs = int((np.argmax(act_all, axis=0) != arg[nz]).sum())
    return out


def static_query(ids: Sequence[int], weight: np.ndarray) -> SparseVec:
    uniq = sorted(set(int(i) for i in ids))
    out = SparseVec(windows=[list(map(int, ids))] if len(ids) else [])
    for i in uniq:
        w = float(np.float32(weight[i]))
        if w != 0.0:
            out.indices.append(i)
            out.values.append(w)
    return out


def dot(q: dict, d: dict) -> float:
    if len(q) > len(d):
        q, d = d, q
    return sum(v * d.get(k, 0.0) for k, v in q.items())
