"""Constructed (not trained) weights that make the tiny masked-LMs lexical retrievers.

Geometry (hidden size H = 32). LayerNorm removes the all-ones direction, so only the
31-dimensional zero-mean subspace carries information. A seeded random orthonormal
basis of that subspace is split into

* a 24-dim *code* space: token j's direction u_j is a Leech-lattice minimal vector
  (see leech.py) mapped into it; distinct tokens have cos(u_i, u_j) <= 1/2;
* one *constant* direction f (ModernBERT only: the embeddings carry a fixed share of
  f, which gives the bias-free layers a constant input to use as a bias);
* 6 *spare* dims (BERT: where the tiny position/token-type embeddings live).

Embedding row j = r_j * (alpha * u_j + beta * f), with r_j in [R_MIN, 1] an IDF-like
factor. The MLM head projects onto the code space (a +12 shift keeps the GELU in its
linear range; the following LayerNorm removes the shift again), so the head output is
h = G * unit(code part of the hidden state), and with the tied decoder and the bias
b_j = -TAU * G * alpha * r_j:

    logit_j = G * alpha * r_j * (cos(h, u_j) - TAU)

A token's own entry gets ~G*alpha*r_j*(1-TAU); any other entry is negative unless the
hidden state moved towards it (cos > TAU = 0.6 > 1/2). The encoder layers are near-
identity: small random attention (context shifts the hidden state a little) and FFN
units used as *association detectors*: unit m fires only when the hidden state is
close to token src_m (cos > THETA) and then adds EPS * u_dst_m; src and dst are given
Leech vectors at cos 1/2, so dst's entry rises above TAU: a deliberate, meaningful
expansion (e.g. "files" -> "file", "레이어를" -> "레이어").
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from .leech import leech_min_vectors

H = 32
CODE_DIMS = 24
R_MIN = 0.03
TAU = 0.65           # decoder threshold on cos(h, u_j)
G_SCALE = 20.0       # G * alpha: logit scale
THETA = 0.75         # detector threshold
KAPPA = 30.0         # detector sharpness
EPS = 0.5            # expansion strength
HEAD_SHIFT = 12.0
ATTN_VO = 0.04       # scale of the random attention value/output weights


def zero_mean_basis(rng: np.random.Generator) -> np.ndarray:
    """[32, 31] orthonormal columns spanning the zero-mean subspace, randomly rotated."""
    a = rng.standard_normal((H, H - 1))
    a -= a.mean(axis=0, keepdims=True)
    q, _ = np.linalg.qr(a)
    return q


class Geometry:
    def __init__(self, seed: int):
        rng = np.random.default_rng(seed)
        q = zero_mean_basis(rng)
        self.code = q[:, :CODE_DIMS]          # [32, 24]
        self.f = q[:, CODE_DIMS]              # [32]
        self.spare = q[:, CODE_DIMS + 1:]     # [32, 6]
        self.proj = self.code @ self.code.T   # projector onto code space


def assign_codes(vocab_size: int, edges: Sequence[Tuple[int, int]], seed: int,
                 leech: np.ndarray | None = None) -> Tuple[np.ndarray, List[Tuple[int, int]]]:
    """Give every token a distinct Leech minimal vector; connected tokens (edges) get
    vectors at inner product 16 (cos 1/2). Returns unit vectors [V, 24] and the edges
    that could be honoured."""
    if leech is None:
        leech = leech_min_vectors()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(leech))
    pool = leech[perm].astype(np.int32)      # candidates in random order
    used = np.zeros(len(pool), dtype=bool)
    code_of = np.full(vocab_size, -1, dtype=np.int64)
    adj: Dict[int, List[int]] = defaultdict(list)
    order: List[int] = []
    for a, b in edges:
        if a == b:
            continue
        for x in (a, b):
            if x not in adj:
                order.append(x)
        adj[a].append(b)
        adj[b].append(a)
    next_free = 0

    def take_next() -> int:
        nonlocal next_free
        while used[next_free]:
            next_free += 1
        used[next_free] = True
        return next_free

    for root in order:
        if code_of[root] >= 0:
            continue
        code_of[root] = take_next()
        queue = deque([root])
        while queue:
            n = queue.popleft()
            for m in adj[n]:
                if code_of[m] >= 0:
                    continue
                assigned = [k for k in adj[m] if code_of[k] >= 0]
                ok = ~used
                # honour as many assigned neighbours as possible, n first
                need = [n] + [k for k in assigned if k != n]
                chosen = None
                for cut in range(len(need), 0, -1):
                    mask = ok.copy()
                    for k in need[:cut]:
                        mask &= (pool @ pool[code_of[k]]) == 16
                    idx = np.flatnonzero(mask)
                    if len(idx):
                        chosen = int(idx[0])
                        break
                if chosen is None:  # cannot happen for trees (every vector has 4600 neighbours)
                    chosen = take_next()
                used[chosen] = True
                code_of[m] = chosen
                queue.append(m)
    for t in range(vocab_size):
        if code_of[t] < 0:
            code_of[t] = take_next()
    vecs = pool[code_of].astype(np.float64) / math.sqrt(32.0)
    kept = [(a, b) for a, b in edges if a != b and int(pool[code_of[a]] @ pool[code_of[b]]) == 16]
    return vecs, kept


def idf_factor(idf: np.ndarray, idf_hi: float) -> np.ndarray:
    return R_MIN + (1.0 - R_MIN) * np.clip(idf / idf_hi, 0.0, 1.0)


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.float32)


def _split_layers(assoc: Sequence[Tuple[int, int]], n_layers: int, units: int) -> List[List[Tuple[int, int]]]:
    out: List[List[Tuple[int, int]]] = [[] for _ in range(n_layers)]
    for i, a in enumerate(assoc[: n_layers * units]):
        out[i % n_layers].append(a)
    return out


def build_bert_weights(model, codes: np.ndarray, r: np.ndarray, assoc: Sequence[Tuple[int, int]], seed: int,
                       geo: Geometry) -> None:
    cfg = model.cfg
    rng = np.random.default_rng(seed)
    sqh = math.sqrt(H)
    u = codes @ geo.code.T                                   # [V, 32] unit code directions
    sd = model.state_dict()
    with torch.no_grad():
        model.word_embeddings.weight.copy_(_t(r[:, None] * u))
        pos_dirs = rng.standard_normal((cfg.max_position_embeddings, geo.spare.shape[1]))
        pos_dirs /= np.linalg.norm(pos_dirs, axis=1, keepdims=True)
        model.position_embeddings.weight.copy_(_t(0.004 * pos_dirs @ geo.spare.T))
        tt = rng.standard_normal((cfg.type_vocab_size, geo.spare.shape[1]))
        tt /= np.linalg.norm(tt, axis=1, keepdims=True)
        model.token_type_embeddings.weight.copy_(_t(0.002 * tt @ geo.spare.T))
        model.emb_norm.weight.fill_(1.0)
        model.emb_norm.bias.zero_()
        per_layer = _split_layers(assoc, cfg.num_hidden_layers, cfg.intermediate_size)
        for li, layer in enumerate(model.layers):
            for lin, s in ((layer.query, 0.25), (layer.key, 0.25), (layer.value, ATTN_VO), (layer.attn_out, ATTN_VO)):
                lin.weight.copy_(_t(rng.standard_normal((H, H)) * s))
                lin.bias.copy_(_t(rng.standard_normal(H) * 0.01))
            layer.attn_norm.weight.fill_(1.0)
            layer.attn_norm.bias.zero_()
            n_units = cfg.intermediate_size
            w_in = rng.standard_normal((n_units, H)) * 0.02
            b_in = np.full(n_units, -2.0)
            w_out = rng.standard_normal((H, n_units)) * 0.02
            for m, (src, dst) in enumerate(per_layer[li]):
                # x ~ sqrt(H) * unit(hidden): pre-activation = KAPPA * (cos(x, u_src) - THETA)
                w_in[m] = KAPPA * u[src] / sqh
                b_in[m] = -KAPPA * THETA
                w_out[:, m] = EPS * sqh * u[dst] / (KAPPA * (1.0 - THETA))
            layer.intermediate.weight.copy_(_t(w_in))
            layer.intermediate.bias.copy_(_t(b_in))
            layer.output.weight.copy_(_t(w_out))
            layer.output.bias.zero_()
            layer.out_norm.weight.fill_(1.0)
            layer.out_norm.bias.zero_()
        model.head_dense.weight.copy_(_t(geo.proj))
        model.head_dense.bias.fill_(HEAD_SHIFT)
        g = G_SCALE / sqh
        model.head_norm.weight.fill_(g)
        model.head_norm.bias.zero_()
        model.decoder_bias.copy_(_t(-TAU * G_SCALE * r))
    del sd


def build_modernbert_weights(model, codes: np.ndarray, r: np.ndarray, assoc: Sequence[Tuple[int, int]], seed: int,
                             geo: Geometry, beta: float = 0.35) -> None:
    cfg = model.cfg
    rng = np.random.default_rng(seed)
    sqh = math.sqrt(H)
    alpha = math.sqrt(1.0 - beta * beta)
    u = codes @ geo.code.T
    f = geo.f
    with torch.no_grad():
        model.tok_embeddings.weight.copy_(_t(r[:, None] * (alpha * u + beta * f[None, :])))
        model.emb_norm.weight.fill_(1.0)
        per_layer = _split_layers(assoc, cfg.num_hidden_layers, cfg.intermediate_size)
        for li, layer in enumerate(model.layers):
            if not isinstance(layer.attn_norm, torch.nn.Identity):
                layer.attn_norm.weight.fill_(1.0)
            wqkv = np.concatenate([
                rng.standard_normal((H, H)) * 0.25,   # q
                rng.standard_normal((H, H)) * 0.25,   # k
                rng.standard_normal((H, H)) * ATTN_VO,   # v
            ])
            layer.Wqkv.weight.copy_(_t(wqkv))
            layer.Wo.weight.copy_(_t(rng.standard_normal((H, H)) * ATTN_VO))
            layer.mlp_norm.weight.fill_(1.0)
            n_units = cfg.intermediate_size
            w_in = rng.standard_normal((n_units, H)) * 0.02
            w_gate = rng.standard_normal((n_units, H)) * 0.02
            w_out = rng.standard_normal((H, n_units)) * 0.02
            for m, (src, dst) in enumerate(per_layer[li]):
                # y ~ sqrt(H) * (alpha * u + beta * f): input = KAPPA * (cos - THETA), gate = 1
                w_in[m] = KAPPA / sqh * (u[src] / alpha - THETA * f / beta)
                w_gate[m] = f / (sqh * beta)
                w_out[:, m] = EPS * sqh * alpha * u[dst] / (KAPPA * (1.0 - THETA))
            layer.Wi.weight.copy_(_t(np.concatenate([w_in, w_gate])))
            layer.mlp_Wo.weight.copy_(_t(w_out))
        model.final_norm.weight.fill_(1.0)
        # head: project onto the code space and add HEAD_SHIFT * ones through the f channel
        dense = geo.proj + HEAD_SHIFT * np.outer(np.ones(H), f) / (sqh * beta)
        model.head_dense.weight.copy_(_t(dense))
        g = G_SCALE / (sqh * alpha)
        model.head_norm.weight.fill_(g)
        model.decoder_bias.copy_(_t(-TAU * G_SCALE * r))
