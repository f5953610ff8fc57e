"""Alibaba's GTE "new" architecture (NewForMaskedLM) in plain PyTorch, and the fixture repo
test/fixtures/hub/opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte/.

Written from the published modeling code (the Hugging Face repo Alibaba-NLP/new-impl,
`modeling.py` + `configuration.py`, which the GTE v1.5 repos and opensearch's doc-v3-gte point to
through `auto_map`), not copied. What that code does, and what is easy to get wrong:

* Post-LN layers: h = attn_ln(h + o_proj(attn(h))); h = mlp_ln(h + down_proj(mlp(h))).
  `attn_ln` / `mlp_ln` are LayerNorm or RMSNorm (`layer_norm_type`: layer_norm | rms_norm, eps
  `layer_norm_eps`); the embedding norm (`embeddings.LayerNorm`) and the MLM head norm
  (`lm_head.norm`) are always LayerNorm.
* Packed attention input `qkv_proj` [3*H, H] (+bias) split into q | k | v in that order
  (`pack_qkv`: true); with pack_qkv false there are q_proj / k_proj / v_proj instead.
* Rotary position embeddings (`position_embedding_type` rope) on q and k, rotate_half style
  (halves, not interleaved pairs), positions 0..T-1 in every row (right padding), head_dim =
  hidden / heads. Base `rope_theta` (500000 in gte-base-en-v1.5, not 10000).
* NTK `rope_scaling` {type: ntk, factor}: the module builds its table for max_position_embeddings
  * factor positions, which is more than max_position_embeddings, so the SCALED frequencies are used
  for every input length, short ones too: inv_freq_i = (theta*factor)^(-2i/d) / factor^(2/d).
  With `mixed_b` the base stays theta and inv_freq_i /= exp(a * (i+1)^b), a = ln(factor)/(d/2)^b.
  The table is computed in float32.
* Gated MLP: up_gate_proj [2*I, H] WITHOUT bias, split [up | gate]: act(gate) * up, the activation
  on the SECOND half (ModernBERT's GLU is the other way round); down_proj has a bias.
* Token types: `token_type_embeddings` only when type_vocab_size > 0 (0 in gte-base-en-v1.5 and
  doc-v3-gte: the model then takes no token_type_ids at all). No absolute position embeddings
  with rope; position_embedding_type "absolute" adds position_embeddings(0..T-1) after the token
  types instead (no released GTE model uses it; modelled for the graph's variant test).
* Attention mask: additive (1 - mask) * finfo.min on the keys, softmax(q k^T / sqrt(d) + bias).
  (unpad_inputs / use_memory_efficient_attention are xformers speed paths with the same result.)
* `logn_attention_scale`: q *= log(sum(mask)) / log(max_position_embeddings), per row, clipped to
  at least 1 when `logn_attention_clip1`; off in the released models.
* MLM head: lm_head.dense -> act (hidden_act) -> lm_head.norm (LayerNorm) -> lm_head.decoder
  (+bias); decoder.weight is tied to new.embeddings.word_embeddings.weight and left out of the file.
* Weight names are prefixed `new.` (base_model_prefix), e.g. new.encoder.layer.0.attention.qkv_proj.
* Config defaults when a key is missing come from configuration.py (vocab 30528, 2048 positions,
  type_vocab_size 1, layer_norm_eps 1e-12, rope_theta 10000, pack_qkv true, hidden_act gelu).

Run with Debian's python (python3-torch 1.13): /usr/bin/python3 scripts/hub_fixtures/gte.py
"""

from __future__ import annotations

import math
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

# configuration.py's defaults, for keys a config.json leaves out.
CONFIG_DEFAULTS = {
    "vocab_size": 30528,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "max_position_embeddings": 2048,
    "type_vocab_size": 1,
    "layer_norm_type": "layer_norm",
    "layer_norm_eps": 1e-12,
    "position_embedding_type": "rope",
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "pack_qkv": True,
    "logn_attention_scale": False,
    "logn_attention_clip1": False,
}


class GteConfig:
    def __init__(self, config: Dict):
        merged = dict(CONFIG_DEFAULTS)
        merged.update(config)
        self.raw = merged
        for key in CONFIG_DEFAULTS:
            setattr(self, key, merged[key])
        if self.position_embedding_type not in ("rope", "absolute"):
            raise ValueError(f"position_embedding_type {self.position_embedding_type!r}")
        self.head_dim = self.hidden_size // self.num_attention_heads


def activation(name: str):
    # transformers' ACT2FN: "gelu" is the exact erf GELU; "gelu_new" / "gelu_pytorch_tanh" the tanh one.
    if name == "gelu":
        return lambda x: F.gelu(x)
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "relu":
        return F.relu
    if name in ("silu", "swish"):
        return F.silu
    raise ValueError(f"hidden_act {name!r} is not modelled here")


def rope_inv_freq(cfg: GteConfig) -> torch.Tensor:
    """The frequencies of new-impl's RotaryEmbedding / NTKScalingRotaryEmbedding, in float32 as
    that code computes them (so the reference rounds the way the published model does)."""
    dim = cfg.head_dim
    base = float(cfg.rope_theta)
    scaling = cfg.rope_scaling
    if scaling is None:
        return 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
    if scaling["type"] != "ntk":
        raise ValueError(f"Unknown RoPE scaling type {scaling['type']}")
    factor = float(scaling["factor"])
    mixed_b = scaling.get("mixed_b")
    # The table is built for max_position_embeddings * factor positions; with factor > 1 that is
    # always past max_position_embeddings, so the scaled branch is the one in use.
    assert cfg.max_position_embeddings * factor > cfg.max_position_embeddings
    scaled_base = base * (factor if mixed_b is None else 1)
    inv_freq = 1.0 / (scaled_base ** (torch.arange(0, dim, 2).float() / dim))
    if mixed_b is None:
        return inv_freq / factor ** (2 / dim)
    a = torch.tensor(factor).log() / (dim / 2) ** mixed_b
    lambda_1_m = (a * torch.arange(1, dim // 2 + 1).float() ** mixed_b).exp()
    return inv_freq / lambda_1_m


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def layer_norm(cfg: GteConfig) -> nn.Module:
    if cfg.layer_norm_type == "layer_norm":
        return nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
    if cfg.layer_norm_type == "rms_norm":
        return RMSNorm(cfg.hidden_size, cfg.layer_norm_eps)
    raise ValueError(f"layer_norm_type {cfg.layer_norm_type!r}")


class Embeddings(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        if cfg.type_vocab_size > 0:
            self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        if cfg.position_embedding_type == "absolute":
            self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)


class Attention(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        h = cfg.hidden_size
        self.cfg = cfg
        if cfg.pack_qkv:
            self.qkv_proj = nn.Linear(h, 3 * h)
        else:
            self.q_proj = nn.Linear(h, h)
            self.k_proj = nn.Linear(h, h)
            self.v_proj = nn.Linear(h, h)
        self.o_proj = nn.Linear(h, h)

    def forward(self, x, bias, cos, sin, logn_scale):
        b, t, h = x.shape
        heads, hd = self.cfg.num_attention_heads, self.cfg.head_dim
        if self.cfg.pack_qkv:
            q, k, v = self.qkv_proj(x).split(h, dim=-1)
        else:
            q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        q, k, v = (y.reshape(b, t, heads, hd).transpose(1, 2) for y in (q, k, v))  # [b, heads, t, hd]
        if cos is not None:
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        if logn_scale is not None:
            q = q * logn_scale
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o_proj(ctx.transpose(1, 2).reshape(b, t, h))


class GatedMLP(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.intermediate_size = cfg.intermediate_size
        self.up_gate_proj = nn.Linear(cfg.hidden_size, 2 * cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.act = activation(cfg.hidden_act)

    def forward(self, x):
        up, gate = self.up_gate_proj(x).split(self.intermediate_size, dim=-1)
        return self.down_proj(self.act(gate) * up)


class Layer(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.attention = Attention(cfg)
        self.mlp = GatedMLP(cfg)
        self.attn_ln = layer_norm(cfg)
        self.mlp_ln = layer_norm(cfg)

    def forward(self, x, bias, cos, sin, logn_scale):
        x = self.attn_ln(x + self.attention(x, bias, cos, sin, logn_scale))
        return self.mlp_ln(x + self.mlp(x))


class Encoder(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.layer = nn.ModuleList([Layer(cfg) for _ in range(cfg.num_hidden_layers)])


class NewModel(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)


class LMHead(nn.Module):
    def __init__(self, cfg: GteConfig):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.decoder = nn.Linear(cfg.hidden_size, cfg.vocab_size)


class NewForMaskedLM(nn.Module):
    """state_dict names are those of the published checkpoints (new.*, lm_head.*)."""

    def __init__(self, config: Dict):
        super().__init__()
        self.cfg = cfg = GteConfig(config)
        self.new = NewModel(cfg)
        self.lm_head = LMHead(cfg)
        self.lm_head.decoder.weight = self.new.embeddings.word_embeddings.weight  # tied
        self.act = activation(cfg.hidden_act)
        if cfg.position_embedding_type == "rope":
            self.register_buffer("inv_freq", rope_inv_freq(cfg), persistent=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        cfg = self.cfg
        dtype = self.new.embeddings.LayerNorm.weight.dtype
        emb = self.new.embeddings
        x = emb.word_embeddings(input_ids)
        if cfg.type_vocab_size > 0:
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            x = x + emb.token_type_embeddings(token_type_ids)
        if cfg.position_embedding_type == "absolute":
            x = x + emb.position_embeddings(torch.arange(input_ids.shape[1]))
        x = emb.LayerNorm(x)

        if cfg.position_embedding_type == "rope":
            # Rotary table in float32 (as new-impl builds cos_cached / sin_cached), then the model dtype.
            positions = torch.arange(input_ids.shape[1], dtype=torch.float32)
            freqs = positions[:, None] * self.inv_freq[None, :]
            angles = torch.cat((freqs, freqs), dim=-1)
            cos, sin = angles.cos().to(dtype), angles.sin().to(dtype)
        else:
            cos, sin = None, None

        mask = attention_mask.to(dtype)
        bias = ((1.0 - mask) * torch.finfo(dtype).min)[:, None, None, :]
        logn_scale = None
        if cfg.logn_attention_scale:
            logn_scale = mask.sum(1).log() / math.log(cfg.max_position_embeddings)
            if cfg.logn_attention_clip1:
                logn_scale = logn_scale.clamp(min=1)
            logn_scale = logn_scale[:, None, None, None]

        for layer in self.new.encoder.layer:
            x = layer(x, bias, cos, sin, logn_scale)
        head = self.lm_head
        return head.decoder(head.norm(self.act(head.dense(x))))

    def checkpoint_state(self) -> Dict[str, torch.Tensor]:
        """The tensors a save_pretrained checkpoint holds: the tied decoder weight left out."""
        state = {k: v for k, v in self.state_dict().items() if k != "lm_head.decoder.weight"}
        return state


# ---------------------------------------------------------------------------
# The fixture repo: opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte, scaled down
# ---------------------------------------------------------------------------

MODEL_ID = "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte"
SEED = 1803

# gte-base-en-v1.5's config.json (which doc-v3-gte is fine-tuned from) with the sizes scaled down:
# hidden 768 -> 16, 12 layers -> 3, 12 heads -> 2, intermediate 3072 -> 32; the vocabulary is
# bert-base-uncased's 30522 as in doc-v3-gte. NTK rope scaling (factor 2) and rope_theta 500000 as
# released, so the scaled frequency table is the one under test; no token types.
FIXTURE_CONFIG = {
    "architectures": ["NewForMaskedLM"],
    "attention_probs_dropout_prob": 0.0,
    "auto_map": {
        "AutoConfig": "Alibaba-NLP/new-impl--configuration.NewConfig",
        "AutoModel": "Alibaba-NLP/new-impl--modeling.NewModel",
        "AutoModelForMaskedLM": "Alibaba-NLP/new-impl--modeling.NewForMaskedLM",
        "AutoModelForMultipleChoice": "Alibaba-NLP/new-impl--modeling.NewForMultipleChoice",
        "AutoModelForQuestionAnswering": "Alibaba-NLP/new-impl--modeling.NewForQuestionAnswering",
        "AutoModelForSequenceClassification": "Alibaba-NLP/new-impl--modeling.NewForSequenceClassification",
        "AutoModelForTokenClassification": "Alibaba-NLP/new-impl--modeling.NewForTokenClassification",
    },
    "classifier_dropout": None,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 16,
    "initializer_range": 0.02,
    "intermediate_size": 32,
    "layer_norm_eps": 1e-12,
    "layer_norm_type": "layer_norm",
    "logn_attention_clip1": False,
    "logn_attention_scale": False,
    "max_position_embeddings": 8192,
    "model_type": "new",
    "num_attention_heads": 2,
    "num_hidden_layers": 3,
    "pack_qkv": True,
    "pad_token_id": 0,
    "position_embedding_type": "rope",
    "rope_scaling": {"factor": 2.0, "type": "ntk"},
    "rope_theta": 500000,
    "torch_dtype": "float32",
    "transformers_version": "4.51.3",
    "type_vocab_size": 0,
    "unpad_inputs": False,
    "use_memory_efficient_attention": False,
    "vocab_size": 30522,
}

TEXTS = [
    "Neural sparse retrieval expands a document into weighted vocabulary terms.",
    "The quick brown fox jumps over the lazy dog!",
    # Longer than 64 tokens: rotary positions past the first few dozen, padding in the batch.
    "Learned sparse retrieval represents every passage as a bag of weighted vocabulary entries, so an "
    "inverted index can serve it like BM25. The document encoder reads the whole passage, up to 8192 "
    "tokens with rotary position embeddings whose frequencies were stretched by NTK scaling, and its "
    "masked-language-model head scores each of the 30522 word pieces; the query side needs no model "
    "at all, only the tokenizer and a table of inverse document frequencies. Git, GIMP and Debian "
    "manuals are the test corpora here.",
    "hello world",
]
BATCH = [0, 1, 2, 3]
# A negative decoder bias keeps a few hundred vocabulary entries active per text (as a trained
# SPLADE model's are), so the reference JSON stays small; everything else uses common.init_params.
DECODER_BIAS_MEAN = -6.0


def main() -> None:
    import os

    import numpy as np

    import common

    module = NewForMaskedLM(FIXTURE_CONFIG)
    common.init_params(module, seed=SEED, overrides={
        "lm_head.decoder.bias": lambda rng, shape: DECODER_BIAS_MEAN + 0.5 * rng.standard_normal(shape),
    })
    module.eval()

    folder = common.reset_repo_dir(MODEL_ID)
    tokenizer = common.BertWordPiece()

    # The transformer at the repo root (the Router's document_0_MLMTransformer is saved there).
    state = common.hf_state_dict(module, drop=["lm_head.decoder.weight"])
    common.write_safetensors(os.path.join(folder, "model.safetensors"), state, "F32")
    _, stored = common.read_safetensors(os.path.join(folder, "model.safetensors"))
    common.check_file_matches_module(stored, module)
    common.write_json(os.path.join(folder, "config.json"), FIXTURE_CONFIG)
    tokenizer.write(folder, model_max_length=8192)
    common.write_sentence_bert_config(folder, max_seq_length=8192, do_lower_case=False)

    # Router: inference-free query side (idf table), document side MLMTransformer + SpladePooling.
    common.write_modules_json(folder, [("", "Router")])
    common.write_router_config(
        folder,
        query=[("query_0_SparseStaticEmbedding", "SparseStaticEmbedding")],
        document=[("document_0_MLMTransformer", "MLMTransformer"), ("document_1_SpladePooling", "SpladePooling")],
    )
    common.write_config_sentence_transformers(folder)
    rng = np.random.default_rng(SEED + 1)
    idf = np.round(np.exp(rng.uniform(-1.0, 2.0, size=30522)), 4).astype(np.float32)
    common.write_sparse_static_embedding(os.path.join(folder, "query_0_SparseStaticEmbedding"), idf,
                                         lambda d: tokenizer.write(d, model_max_length=8192))
    # idf.json (token -> weight, as OpenSearch ships it beside the table); each value written with
    # the shortest digits that read back as the same float32.
    common.write_json(os.path.join(folder, "idf.json"),
                      {tok: float(repr(idf[i])) for i, tok in enumerate(tokenizer.vocab)}, indent=None)
    common.write_splade_pooling(os.path.join(folder, "document_1_SpladePooling"), "log1p_relu", 30522)

    ids = [tokenizer.encode(t) for t in TEXTS]
    common.check_tokenizer_with_node(folder, TEXTS, ids)
    assert max(len(x) for x in ids) > 64, "one text must be longer than 64 tokens"

    ref = NewForMaskedLM(FIXTURE_CONFIG)
    ref.load_state_dict(module.state_dict())
    ref.double().eval()
    vectors = common.reference_vectors(lambda i, m: ref(i, m), ids, tokenizer.pad_id, "log1p_relu", BATCH)

    # The rope scaling path must matter: the same weights with the unscaled table give other vectors.
    unscaled = NewForMaskedLM(dict(FIXTURE_CONFIG, rope_scaling=None))
    unscaled.load_state_dict(module.state_dict())
    unscaled.double().eval()
    other = common.reference_vectors(lambda i, m: unscaled(i, m), ids, tokenizer.pad_id, "log1p_relu", BATCH)
    rope_effect = max_sparse_diff(vectors, other)

    notes = (
        "NewForMaskedLM (Alibaba-NLP/new-impl) at scaled-down real shapes (hidden 16, 3 layers, 2 heads, "
        "intermediate 32, vocab 30522), random seeded weights (F32), config with rope_theta 500000 and "
        "rope_scaling {type: ntk, factor: 2} (the scaled frequency table is always used), type_vocab_size 0 "
        "(no token_type_ids), post-LN, packed qkv_proj, gated MLP act(second half) * first half. "
        "Reference: scripts/hub_fixtures/gte.py in float64 (rotary table in float32 as the published code "
        "builds it); vectors = max over tokens of log1p(log1p(relu(logits))), special tokens kept. "
        f"Text 2 has {len(ids[2])} tokens. With the unscaled rope table the vectors would differ by up to "
        f"{rope_effect:.3g}."
    )
    path = common.write_reference(MODEL_ID, "NewForMaskedLM", TEXTS, vectors, BATCH, notes,
                                  extra={"ids": ids})
    worst = common.onnx_check(module, ["input_ids", "attention_mask"], ids, tokenizer.pad_id, "log1p_relu",
                              vectors, BATCH)
    nnz = [len(v["indices"]) for v in vectors]
    print(f"{path}: tokens {[len(x) for x in ids]}, active entries {nnz}")
    print(f"onnxruntime-node vs reference: max |diff| {worst:.3g}; rope scaling changes vectors by {rope_effect:.3g}")
    print(f"{folder}: {common.folder_size(folder)} bytes")
    if worst > 1e-5:
        raise SystemExit(f"the ONNX export of the reference differs by {worst} (> 1e-5)")


def max_sparse_diff(a, b) -> float:
    worst = 0.0
    for va, vb in zip(a, b):
        da = dict(zip(va["indices"], va["values"]))
        db = dict(zip(vb["indices"], vb["values"]))
        for k in set(da) | set(db):
            worst = max(worst, abs(da.get(k, 0.0) - db.get(k, 0.0)))
    return worst



# ---------------------------------------------------------------------------
# Config variants for the graph's unit test (test/graph-gte.test.ts): tiny vocabulary, raw logits
# ---------------------------------------------------------------------------

VARIANTS_DIR = "test/fixtures/graph/gte-variants"
VARIANT_BASE = {
    "architectures": ["NewForMaskedLM"], "model_type": "new", "vocab_size": 50, "hidden_size": 16,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24, "layer_norm_eps": 1e-12,
    "max_position_embeddings": 8192, "hidden_act": "gelu", "type_vocab_size": 0, "rope_theta": 10000,
}
# Each changes what the doc-v3-gte fixture does not cover.
VARIANTS = {
    # RMSNorm in the layers, token types (and so a token_type_ids input), no rope scaling, tanh GELU.
    "rms-norm-token-types": {"layer_norm_type": "rms_norm", "type_vocab_size": 2, "rope_scaling": None,
                             "hidden_act": "gelu_new"},
    # Mixed NTK scaling (mixed_b), separate q/k/v projections, log-n query scaling, SiLU.
    "mixed-b-separate-qkv-logn": {"rope_scaling": {"type": "ntk", "factor": 4.0, "mixed_b": 0.7},
                                  "pack_qkv": False, "logn_attention_scale": True, "hidden_act": "silu",
                                  "max_position_embeddings": 16},
    # log-n scaling clipped to 1: row lengths 9 and 6 around max_position_embeddings 8.
    "logn-clip1": {"rope_scaling": {"type": "ntk", "factor": 2.0}, "logn_attention_scale": True,
                   "logn_attention_clip1": True, "max_position_embeddings": 8},
    # Absolute positions, and the keys config.json may leave out (configuration.py's defaults:
    # type_vocab_size 1, pack_qkv true, layer_norm_type layer_norm, hidden_act gelu, eps 1e-12).
    "absolute-defaults": {"position_embedding_type": "absolute", "max_position_embeddings": 16,
                          "type_vocab_size": None, "hidden_act": None, "layer_norm_eps": None,
                          "rope_theta": None},
}


def variants() -> None:
    import json
    import os
    import shutil

    import common

    root = os.path.join(common.REPO, VARIANTS_DIR)
    shutil.rmtree(root, ignore_errors=True)
    rng = torch.Generator().manual_seed(SEED)
    ids = torch.randint(1, VARIANT_BASE["vocab_size"], (2, 9), generator=rng)
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    ids[1, 6:] = 0
    token_types = torch.zeros_like(ids)
    token_types[:, 4:] = 1
    token_types[1, 6:] = 0
    for n, (name, change) in enumerate(VARIANTS.items()):
        config = {k: v for k, v in {**VARIANT_BASE, **change}.items() if v is not None}
        module = NewForMaskedLM(config)
        common.init_params(module, seed=SEED + 10 + n)
        folder = os.path.join(root, name)
        common.write_json(os.path.join(folder, "config.json"), config)
        state = common.hf_state_dict(module, drop=["lm_head.decoder.weight"])
        common.write_safetensors(os.path.join(folder, "model.safetensors"), state, "F32")
        module.double().eval()
        with_types = module.cfg.type_vocab_size > 0
        types = token_types if module.cfg.type_vocab_size > 1 else torch.zeros_like(ids)
        with torch.no_grad():
            logits = module(ids, mask, types if with_types else None)
        expected = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                    "dims": list(logits.shape), "logits": [float(x) for x in logits.flatten()]}
        if with_types:
            expected["token_type_ids"] = types.tolist()
        common.write_json(os.path.join(folder, "expected.json"), expected, indent=None)
        print(f"{folder}: {sorted(change)}")


if __name__ == "__main__":
    main()
    variants()
