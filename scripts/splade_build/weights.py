"""Constructed (not trained) weights that make the tiny masked-LMs lexical retrievers.

Geometry (hidden size H = 32). LayerNorm removes the all-ones direction, so only the
31-dimensional zero-mean subspace carries information. A seeded random orthonormal
basis of that subspace is split into

* a 24-dim *code* space: token j's direction u_j is a Leech-lattice minimal vector
  (see leech.py) mapped into it; distinct tokens have cos(u_i, u_j) <= 1/2;
* one *constant* direction f (ModernBERT only: the embeddings carry a fixed share of
  f, which gives the bias-free layers a constant input to use as a bias);
* one *context* direction s, written by the attention layers;
* 5 spare dims (BERT: where the tiny position/token-type embeddings live).

Embedding row j = r_j * (alpha * u_j + beta * f), with r_j in [R_MIN, 1] an IDF-like
factor. The MLM head projects onto the code space plus the context direction (a +12
shift keeps its GELU in the linear range; the following LayerNorm removes the shift),
so the head output is h = G * unit(c + psi * s), c = code part of the hidden state,
psi = |c| * (PSI0 + CTX_STD * z) where z is the (standardised) context signal that
attention wrote into s. With the tied decoder and the bias b_j = -TAU * G * r_j:

    logit_j = G * r_j * (phi * cos(c, u_j) - TAU),   phi = |c| / |c + psi s| ~ 0.9

A token's own entry gets ~G*r_j*(phi - TAU) > 0 and depends on its context to first
order through phi. Every other entry stays negative (phi * 1/2 < TAU) unless the code
part itself moved towards it. The encoder layers are near-identity: small random
attention (plus the context signal on s) and FFN units used in pairs as *association
detectors*: a pair fires only when the hidden state is close to token src (cos above
THETA1..THETA2, a clipped ramp) and then adds EPS * u_dst. src and dst are given Leech
vectors at cos 1/2, so after the addition the hidden state is equally close to both
(cos 0.87) and dst's entry rises above TAU: a deliberate, meaningful expansion (e.g.
"files" -> "file", "레이어를" -> "레이어"), while tokens near both stay below it
(cos 0.58 * phi < TAU). In the bias-free ModernBERT the FFN also adds f, to keep the
f share (the constant that replaces biases) unchanged.
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
TAU = 0.58           # decoder threshold on phi * cos(h, u_j)
G_SCALE = 26.0       # logit scale
PSI0 = 0.6           # baseline share of the context direction in the head (phi0 = 0.857)
CTX_STD = 0.1        # spread of that share caused by the context signal
OMEGA = 1.0          # gain from the attention output to the context direction s
THETA1 = 0.88        # detector ramp start (cos between hidden state and u_src)
THETA2 = 0.93        # detector ramp end: at and above it the unit adds EPS * u_dst
KAPPA = 60.0         # detector sharpness
EPS = 1.0            # expansion strength
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
        self.s = q[:, CODE_DIMS + 1]          # [32] context direction
        self.spare = q[:, CODE_DIMS + 2:]     # [32, 5]
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
    """Each association uses two FFN units (a clipped ramp); spread them over the layers."""
    per = units // 2
    out: List[List[Tuple[int, int]]] = [[] for _ in range(n_layers)]
    for i, a in enumerate(assoc[: n_layers * per]):
        out[i % n_layers].append(a)
    return out


def associations_capacity(n_layers: int, units: int) -> int:
    return n_layers * (units // 2)


# Two GELU units gelu(K(c - THETA1)) - gelu(K(c - THETA2)) form a ramp that is ~0 below
# THETA1 and ~K(THETA2 - THETA1) above THETA2, so the added expansion saturates at EPS.
_RAMP = KAPPA * (THETA2 - THETA1)


def build_bert_weights(model, codes: np.ndarray, r: np.ndarray, assoc: Sequence[Tuple[int, int]], seed: int,
                       geo: Geometry) -> None:
    cfg = model.cfg
    rng = np.random.default_rng(seed)
    sqh = math.sqrt(H)
    u = codes @ geo.code.T                                   # [V, 32] unit code directions
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
            w = rng.standard_normal(H)
            layer.attn_out.weight.add_(_t(OMEGA * np.outer(geo.s, w / np.linalg.norm(w))))
            layer.attn_norm.weight.fill_(1.0)
            layer.attn_norm.bias.zero_()
            n_units = cfg.intermediate_size
            w_in = rng.standard_normal((n_units, H)) * 0.02
            b_in = np.full(n_units, -2.0)
            w_out = rng.standard_normal((H, n_units)) * 0.02
            for m, (src, dst) in enumerate(per_layer[li]):
                # x ~ sqrt(H) * unit(hidden): pre-activation = KAPPA * (cos(x, u_src) - THETA)
                for unit, theta, sign in ((2 * m, THETA1, 1.0), (2 * m + 1, THETA2, -1.0)):
                    w_in[unit] = KAPPA * u[src] / sqh
                    b_in[unit] = -KAPPA * theta
                    w_out[:, unit] = sign * EPS * sqh * u[dst] / _RAMP
            layer.intermediate.weight.copy_(_t(w_in))
            layer.intermediate.bias.copy_(_t(b_in))
            layer.output.weight.copy_(_t(w_out))
            layer.output.bias.zero_()
            layer.out_norm.weight.fill_(1.0)
            layer.out_norm.bias.zero_()
        model.head_norm.bias.zero_()
        model.decoder_bias.copy_(_t(-TAU * G_SCALE * r))
    set_bert_head(model, geo, 0.0, 0.0)


def set_bert_head(model, geo: Geometry, s_mean: float, s_std: float) -> None:
    """Head: dense = projection on the code space + psi on s, psi = sqrt(H) * (PSI0 +
    CTX_STD * (x.s - s_mean) / s_std); s_mean/s_std are measured on real text
    (calibrate_context) so that the context signal has a known spread."""
    sqh = math.sqrt(H)
    k = CTX_STD * sqh / s_std if s_std > 0 else 0.0
    with torch.no_grad():
        model.head_dense.weight.copy_(_t(geo.proj + k * np.outer(geo.s, geo.s)))
        model.head_dense.bias.copy_(_t(HEAD_SHIFT * np.ones(H) + (PSI0 * sqh - k * s_mean) * geo.s))
        model.head_norm.weight.fill_(G_SCALE / sqh)


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
            w = rng.standard_normal(H)
            layer.Wo.weight.copy_(_t(rng.standard_normal((H, H)) * ATTN_VO + OMEGA * np.outer(geo.s, w / np.linalg.norm(w))))
            layer.mlp_norm.weight.fill_(1.0)
            n_units = cfg.intermediate_size
            w_in = rng.standard_normal((n_units, H)) * 0.02
            w_gate = rng.standard_normal((n_units, H)) * 0.02
            w_out = rng.standard_normal((H, n_units)) * 0.02
            for m, (src, dst) in enumerate(per_layer[li]):
                # y ~ sqrt(H) * (alpha * u + beta * f): input = KAPPA * (cos - theta), gate = 1
                for unit, theta, sign in ((2 * m, THETA1, 1.0), (2 * m + 1, THETA2, -1.0)):
                    w_in[unit] = KAPPA / sqh * (u[src] / alpha - theta * f / beta)
                    w_gate[unit] = f / (sqh * beta)
                    # also add f so that the f share of the residual stays beta (the code part
                    # grows from |u| = 1 to |u + EPS u_dst| = sqrt(1 + EPS + EPS^2) since cos = 1/2):
                    # the constant channel, and with it every detector threshold, stays calibrated
                    grow = math.sqrt(1.0 + EPS + EPS * EPS) - 1.0
                    w_out[:, unit] = sign * sqh * (EPS * alpha * u[dst] + grow * beta * f) / _RAMP
            layer.Wi.weight.copy_(_t(np.concatenate([w_in, w_gate])))
            layer.mlp_Wo.weight.copy_(_t(w_out))
        model.final_norm.weight.fill_(1.0)
        model.decoder_bias.copy_(_t(-TAU * G_SCALE * r))
    model.beta = beta
    set_modernbert_head(model, geo, 0.0, 0.0)


def set_modernbert_head(model, geo: Geometry, s_mean: float, s_std: float) -> None:
    """As set_bert_head, without biases: the constant comes from the f channel
    ((f.y) / beta ~ sqrt(H) for every token)."""
    sqh = math.sqrt(H)
    beta = model.beta
    alpha = math.sqrt(1.0 - beta * beta)
    f, s = geo.f, geo.s
    k = CTX_STD * sqh / s_std * alpha if s_std > 0 else 0.0
    const = (PSI0 * alpha * sqh - k * s_mean) / (sqh * beta)   # times f.y gives the constant part of psi
    dense = (geo.proj + k * np.outer(s, s) + const * np.outer(s, f)
             + HEAD_SHIFT * np.outer(np.ones(H), f) / (sqh * beta))
    with torch.no_grad():
        model.head_dense.weight.copy_(_t(dense))
        model.head_norm.weight.fill_(G_SCALE / (sqh * alpha))


def head_input(model, input_ids: torch.Tensor) -> torch.Tensor:
    """Hidden states that enter the MLM head (BERT: last layer output; ModernBERT: final_norm output)."""
    mask = torch.ones_like(input_ids)
    with torch.no_grad():
        if hasattr(model, "word_embeddings"):
            tt = torch.zeros_like(input_ids)
            s = input_ids.shape[1]
            x = model.word_embeddings(input_ids) + model.position_embeddings.weight[:s].unsqueeze(0) \
                + model.token_type_embeddings(tt)
            x = model.emb_norm(x)
            add = (1.0 - mask.float())[:, None, None, :] * -1e9
            for layer in model.layers:
                x = layer(x, add)
            return x[0]
        x = model.emb_norm(model.tok_embeddings(input_ids))
        for layer in model.layers:
            x = layer(x, mask)
        return model.final_norm(x)[0]


def calibrate_context(model, geo: Geometry, windows) -> Tuple[float, float]:
    """Mean and standard deviation of x.s over all tokens of the given windows."""
    vals = []
    for w in windows:
        x = head_input(model, torch.tensor([w]))
        vals.append(x.numpy() @ geo.s)
    v = np.concatenate(vals)
    return float(v.mean()), float(v.std())
