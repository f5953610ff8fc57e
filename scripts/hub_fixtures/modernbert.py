"""ModernBertForMaskedLM in plain PyTorch (1.13), written from transformers' modeling_modernbert.py
(eager / sdpa path) for the hub fixtures of issue 18.

Module and parameter names are those of the real checkpoints, so ``state_dict()`` (less the tied
``decoder.weight``) is what ``model.safetensors`` holds:

    model.embeddings.tok_embeddings.weight       [vocab, hidden]
    model.embeddings.norm.weight (.bias)          [hidden]        bias only with norm_bias
    model.layers.N.attn_norm.weight (.bias)       [hidden]        absent in layer 0 (Identity)
    model.layers.N.attn.Wqkv.weight (.bias)       [3*hidden, hidden]  rows: q | k | v, each heads x head_dim
    model.layers.N.attn.Wo.weight (.bias)         [hidden, hidden]
    model.layers.N.mlp_norm.weight (.bias)        [hidden]
    model.layers.N.mlp.Wi.weight (.bias)          [2*intermediate, hidden]  rows: input | gate
    model.layers.N.mlp.Wo.weight (.bias)          [hidden, intermediate]
    model.final_norm.weight (.bias)               [hidden]
    head.dense.weight (.bias)                     [hidden, hidden]  bias only with classifier_bias
    head.norm.weight (.bias)                      [hidden]
    decoder.bias                                  [vocab]           with decoder_bias (default true)
    decoder.weight                                tied to the token embeddings, left out of the file

Both config forms are read (``resolve_config``): the older keys ``global_attn_every_n_layers``,
``global_rope_theta``, ``local_rope_theta``, and the newer ``layer_types`` + ``rope_parameters``
(``{"full_attention": {"rope_type": "default", "rope_theta": ...}, "sliding_attention": {...}}``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

DEFAULT_GLOBAL_THETA = 160000.0
DEFAULT_LOCAL_THETA = 10000.0


def resolve_config(cfg: dict) -> dict:
    """The per-layer facts the forward pass needs, from either config form.

    - layer types: ``layer_types`` when present, else every ``global_attn_every_n_layers``-th layer
      (layer 0 included; default 3) is ``full_attention`` and the others ``sliding_attention``.
    - rope theta per type: ``rope_parameters[type].rope_theta`` when present, else
      ``global_rope_theta`` (default 160000) / ``local_rope_theta`` (default 10000; an explicit
      null meant "use the global theta" in the first ModernBERT code).
    - window: a sliding layer attends to keys with |i - j| <= local_attention // 2 (inclusive).
    """
    n_layers = int(cfg["num_hidden_layers"])
    types = cfg.get("layer_types")
    if types is None:
        every = int(cfg.get("global_attn_every_n_layers", 3))
        types = ["full_attention" if i % every == 0 else "sliding_attention" for i in range(n_layers)]
    if len(types) != n_layers or any(t not in ("full_attention", "sliding_attention") for t in types):
        raise ValueError(f"layer_types {types!r} do not fit num_hidden_layers {n_layers}")
    global_theta = float(cfg.get("global_rope_theta", DEFAULT_GLOBAL_THETA))
    local_theta = cfg.get("local_rope_theta", DEFAULT_LOCAL_THETA)
    local_theta = global_theta if local_theta is None else float(local_theta)
    thetas = {"full_attention": global_theta, "sliding_attention": local_theta}
    rope_parameters = cfg.get("rope_parameters")
    if rope_parameters is not None:
        for t in thetas:
            p = rope_parameters.get(t) or {}
            if p.get("rope_type", "default") != "default":
                raise ValueError(f"rope_type {p['rope_type']!r} is not supported here")
            if "rope_theta" in p:
                thetas[t] = float(p["rope_theta"])
    return {
        "layer_types": list(types),
        "thetas": thetas,
        "half_window": int(cfg.get("local_attention", 128)) // 2,
    }


def activation(name: str):
    """transformers' ACT2FN for the names ModernBERT configs use. 'gelu' is the exact (erf) GELU."""
    if name == "gelu":
        return lambda x: F.gelu(x)
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    if name in ("silu", "swish"):
        return F.silu
    raise ValueError(f"activation {name!r} is not supported here")


class LayerNorm(nn.Module):
    """nn.LayerNorm(bias=...) of torch >= 2.1, which torch 1.13 lacks. ModernBERT's norms have no
    bias unless norm_bias is true."""

    def __init__(self, hidden: int, eps: float, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.bias = nn.Parameter(torch.zeros(hidden)) if bias else None
        # Without a bias the ONNX export leaves LayerNormalization's optional input B empty, and
        # onnxruntime-node 1.30 crashes (segfault) on that; an explicit zero bias (not saved:
        # persistent=False) computes the same and exports B.
        self.register_buffer("zero_bias", torch.zeros(hidden), persistent=False)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.zero_bias if self.bias is None else self.bias
        # A fixed normalized_shape (not x.shape[-1]): torch 1.13's ONNX export needs it static.
        return F.layer_norm(x, tuple(self.weight.shape), self.weight, bias, self.eps)


def _norm(cfg: dict) -> LayerNorm:
    return LayerNorm(int(cfg["hidden_size"]), float(cfg.get("norm_eps", 1e-5)), bool(cfg.get("norm_bias", False)))


class Embeddings(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.tok_embeddings = nn.Embedding(int(cfg["vocab_size"]), int(cfg["hidden_size"]))
        self.norm = _norm(cfg)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.norm(self.tok_embeddings(input_ids))


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(theta: float, head_dim: int, seq_len: int, dtype: torch.dtype):
    """cos/sin [seq, head_dim] as ModernBertRotaryEmbedding computes them: inv_freq in float32,
    angle = position * inv_freq in float32, the two halves repeated (rotate_half layout)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    positions = torch.arange(seq_len, dtype=torch.float32)
    freqs = positions[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


class Attention(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        hidden = int(cfg["hidden_size"])
        self.num_heads = int(cfg["num_attention_heads"])
        self.head_dim = hidden // self.num_heads
        bias = bool(cfg.get("attention_bias", False))
        self.Wqkv = nn.Linear(hidden, 3 * hidden, bias=bias)
        self.Wo = nn.Linear(hidden, hidden, bias=bias)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
        b, t, _ = x.shape
        # [b, t, 3, heads, head_dim] -> [b, heads, 3, t, head_dim]: the packed rows are q | k | v.
        qkv = self.Wqkv(x).view(b, t, 3, self.num_heads, self.head_dim).transpose(3, 1)
        q, k, v = qkv.unbind(dim=2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(2, 3)) * self.head_dim**-0.5
        # transformers upcasts half-precision scores to float32 for the softmax; float64 (the
        # precision check of the reference) stays float64, where finfo(float64).min would be -inf.
        upcast = torch.float32 if q.dtype in (torch.float16, torch.bfloat16) else q.dtype
        probs = torch.softmax(scores + additive_mask, dim=-1, dtype=upcast).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, -1)
        return self.Wo(out)


class MLP(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        hidden, inter = int(cfg["hidden_size"]), int(cfg["intermediate_size"])
        bias = bool(cfg.get("mlp_bias", False))
        self.Wi = nn.Linear(hidden, 2 * inter, bias=bias)
        self.Wo = nn.Linear(inter, hidden, bias=bias)
        self.act = activation(cfg.get("hidden_activation", "gelu"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # GLU: the activation applies to the FIRST half of Wi's output, the second half gates it.
        inp, gate = self.Wi(x).chunk(2, dim=-1)
        return self.Wo(self.act(inp) * gate)


class EncoderLayer(nn.Module):
    def __init__(self, cfg: dict, index: int):
        super().__init__()
        # Layer 0 has no attention norm (nn.Identity: no tensor in the checkpoint): the embedding
        # norm right before it plays that part.
        self.attn_norm = nn.Identity() if index == 0 else _norm(cfg)
        self.attn = Attention(cfg)
        self.mlp_norm = _norm(cfg)
        self.mlp = MLP(cfg)

    def forward(self, x, additive_mask, cos, sin):
        x = x + self.attn(self.attn_norm(x), additive_mask, cos, sin)
        return x + self.mlp(self.mlp_norm(x))


class Backbone(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.layers = nn.ModuleList([EncoderLayer(cfg, i) for i in range(int(cfg["num_hidden_layers"]))])
        self.final_norm = _norm(cfg)


class Head(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        hidden = int(cfg["hidden_size"])
        self.dense = nn.Linear(hidden, hidden, bias=bool(cfg.get("classifier_bias", False)))
        self.act = activation(cfg.get("classifier_activation", "gelu"))
        self.norm = _norm(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.act(self.dense(x)))


class ModernBertForMaskedLM(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.cfg = cfg
        self.resolved = resolve_config(cfg)
        hidden, vocab = int(cfg["hidden_size"]), int(cfg["vocab_size"])
        self.head_dim = hidden // int(cfg["num_attention_heads"])
        self.model = Backbone(cfg)
        self.head = Head(cfg)
        self.decoder = nn.Linear(hidden, vocab, bias=bool(cfg.get("decoder_bias", True)))
        if cfg.get("tie_word_embeddings", True):
            self.decoder.weight = self.model.embeddings.tok_embeddings.weight

    def masks(self, attention_mask: torch.Tensor, dtype: torch.dtype) -> Dict[str, torch.Tensor]:
        """Additive masks [b, 1, t, t] as ModernBertModel._update_attention_mask builds them: the
        padding mask puts finfo.min on padded keys; the sliding one REPLACES (masked_fill, not adds)
        the entries with |i - j| > local_attention // 2 by finfo.min, so no entry overflows to -inf
        and a padded query row that sees no real key stays finite (uniform attention)."""
        b, t = attention_mask.shape
        minimum = torch.finfo(dtype).min
        padded = (attention_mask == 0)[:, None, None, :].expand(b, 1, t, t)
        full = torch.zeros(b, 1, t, t, dtype=dtype).masked_fill(padded, minimum)
        rows = torch.arange(t)
        outside = (rows[None, :] - rows[:, None]).abs() > self.resolved["half_window"]
        sliding = full.masked_fill(outside[None, None, :, :], minimum)
        return {"full_attention": full, "sliding_attention": sliding}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.model.embeddings(input_ids)
        dtype, t = x.dtype, input_ids.shape[1]
        masks = self.masks(attention_mask, dtype)
        rope = {kind: rope_cos_sin(theta, self.head_dim, t, dtype) for kind, theta in self.resolved["thetas"].items()}
        for layer, kind in zip(self.model.layers, self.resolved["layer_types"]):
            cos, sin = rope[kind]
            x = layer(x, masks[kind], cos, sin)
        x = self.model.final_norm(x)
        return self.decoder(self.head(x))

    def checkpoint_tensors(self) -> Dict[str, torch.Tensor]:
        """state_dict as save_pretrained writes it: the tied decoder.weight is left out."""
        sd = {k: v.detach().clone() for k, v in self.state_dict().items()}
        if self.cfg.get("tie_word_embeddings", True):
            sd.pop("decoder.weight", None)
        return sd




# ---------------------------------------------------------------------------
# The fixture: telepix/PIXIE-Splade-Preview, scaled down
# ---------------------------------------------------------------------------

MODEL_ID = "telepix/PIXIE-Splade-Preview"
SEED = 18_04
KO_FOLDER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "public", "models", "splade-tiny-ko")
KO_SPM_MODEL = os.path.join(os.path.dirname(HERE), "tokenizer-ko", "ko.model")

# The real repo's config keys (older form: global_attn_every_n_layers / global_rope_theta /
# local_rope_theta, as ModernBERT checkpoints saved before transformers 5 have them) at scaled-down
# shapes: vocab 50000 as PIXIE's, hidden 16, 2 heads of 8, GLU intermediate 32, 4 layers (layer 0
# and 3 global, 1 and 2 sliding), local_attention 8 (|i - j| <= 4) so every text but the last is
# longer than the window.
FIXTURE_CONFIG = {
    "architectures": ["ModernBertForMaskedLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 2,
    "classifier_activation": "gelu",
    "classifier_bias": False,
    "classifier_dropout": 0.0,
    "classifier_pooling": "mean",
    "cls_token_id": 2,
    "decoder_bias": True,
    "deterministic_flash_attn": False,
    "embedding_dropout": 0.0,
    "eos_token_id": 3,
    "global_attn_every_n_layers": 3,
    "global_rope_theta": 160000.0,
    "gradient_checkpointing": False,
    "hidden_activation": "gelu",
    "hidden_size": 16,
    "initializer_cutoff_factor": 2.0,
    "initializer_range": 0.02,
    "intermediate_size": 32,
    "layer_norm_eps": 1e-05,
    "local_attention": 8,
    "local_rope_theta": 10000.0,
    "mask_token_id": 4,
    "max_position_embeddings": 8192,
    "mlp_bias": False,
    "mlp_dropout": 0.0,
    "model_type": "modernbert",
    "norm_bias": False,
    "norm_eps": 1e-05,
    "num_attention_heads": 2,
    "num_hidden_layers": 4,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "repad_logits_with_grad": False,
    "sep_token_id": 3,
    "sparse_pred_ignore_index": -100,
    "sparse_prediction": False,
    "torch_dtype": "float16",
    "transformers_version": "4.53.2",
    "unk_token_id": 1,
    "vocab_size": 50000,
}
STORED_DTYPE = "F16"

TEXTS = [
    # 60+ tokens: sliding layers see only part of the text, rotary positions go past the window.
    "김프는 사진을 편집하고 그림을 그리는 데 쓰는 자유 소프트웨어입니다. 레이어와 채널, 경로를 이용해 "
    "이미지의 일부만 고칠 수 있고, 필터와 스크립트로 반복되는 작업을 자동으로 처리합니다. 작업이 끝나면 "
    "이미지를 PNG나 JPEG 같은 형식으로 내보내기 하면 됩니다.",
    "검색어와 문서를 모두 같은 모델로 인코딩하여 희소 벡터를 만들고, 역색인에서 점수를 계산합니다.",
    "선택 도구",
    "저장하기 전에 화면 크기를 100% 로 맞추고 Ctrl+S 를 누르세요.",
]
BATCH = [0, 1, 2, 3]
# A negative decoder bias keeps a few hundred vocabulary entries active per text (as a trained
# SPLADE model's are), so the reference JSON stays small.
DECODER_BIAS_MEAN = -4.5
EMBEDDING_STD = 0.25


def copy_korean_tokenizer(folder: str) -> None:
    """public/models/splade-tiny-ko's tokenizer files: a SentencePiece Unigram with exactly 50000
    pieces ([PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4), the size of PIXIE's vocabulary. PIXIE's
    own tokenizer is not reachable from here; the graph only needs the ids."""
    import common

    for name in ("tokenizer.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(KO_FOLDER, name), os.path.join(folder, name))
    with open(os.path.join(KO_FOLDER, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_cfg = json.load(f)
    tok_cfg["model_max_length"] = 8192
    common.write_json(os.path.join(folder, "tokenizer_config.json"), tok_cfg)


def spm_ids(texts: List[str]) -> List[List[int]]:
    """Ids WITH [CLS]/[SEP] from the SentencePiece library (scripts/tokenizer-ko/ko.model, the
    model behind the tokenizer.json), checked against @huggingface/tokenizers afterwards."""
    from splade_build.spm_ko import SpmReference

    ref = SpmReference(KO_SPM_MODEL)
    return [ref.encode(t, add_special_tokens=True) for t in texts]


def float64_copy(module: ModernBertForMaskedLM, cfg: dict) -> ModernBertForMaskedLM:
    ref = ModernBertForMaskedLM(cfg)
    ref.load_state_dict(module.state_dict())
    return ref.double().eval()


def max_sparse_diff(a, b) -> float:
    worst = 0.0
    for va, vb in zip(a, b):
        da = dict(zip(va["indices"], va["values"]))
        db = dict(zip(vb["indices"], vb["values"]))
        for k in set(da) | set(db):
            worst = max(worst, abs(da.get(k, 0.0) - db.get(k, 0.0)))
    return worst


# A second, tiny model in the newer config form (transformers 5: layer_types + rope_parameters, with
# a layer pattern that global_attn_every_n_layers would not give, an odd local_attention, every
# optional bias, other activations and an untied decoder), for test/graph-modernbert.test.ts.
VARIANT_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "test", "fixtures", "modernbert-variant")
VARIANT_CONFIG = {
    "architectures": ["ModernBertForMaskedLM"],
    "model_type": "modernbert",
    "vocab_size": 61,
    "hidden_size": 16,
    "num_attention_heads": 4,
    "intermediate_size": 24,
    "num_hidden_layers": 5,
    "max_position_embeddings": 64,
    "layer_types": ["full_attention", "sliding_attention", "full_attention", "sliding_attention",
                    "sliding_attention"],
    "global_attn_every_n_layers": 3,
    "rope_parameters": {
        "full_attention": {"rope_type": "default", "rope_theta": 20000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 500.0},
    },
    "local_attention": 7,
    "norm_eps": 1e-6,
    "norm_bias": True,
    "attention_bias": True,
    "mlp_bias": True,
    "classifier_bias": True,
    "decoder_bias": True,
    "hidden_activation": "gelu_pytorch_tanh",
    "classifier_activation": "silu",
    "tie_word_embeddings": False,
    "pad_token_id": 0,
    "transformers_version": "5.0.0",
}
VARIANT_ROWS = [20, 13, 5]


def write_variant() -> float:
    """test/fixtures/modernbert-variant/: config.json, model.safetensors (F32) and reference.json
    {ids, attentionMask, logits (float64 reference, [batch, tokens, vocab] flattened; padded rows 0)}.
    Returns the float32 module's largest difference from the reference."""
    import common

    module = ModernBertForMaskedLM(VARIANT_CONFIG)
    common.init_params(module, seed=SEED + 1, embedding_std=1.0)
    module.eval()
    shutil.rmtree(VARIANT_DIR, ignore_errors=True)
    os.makedirs(VARIANT_DIR)
    common.write_safetensors(os.path.join(VARIANT_DIR, "model.safetensors"), common.hf_state_dict(module), "F32")
    common.write_json(os.path.join(VARIANT_DIR, "config.json"), VARIANT_CONFIG)
    rng = torch.Generator().manual_seed(SEED)
    id_lists = [torch.randint(1, VARIANT_CONFIG["vocab_size"], (n,), generator=rng).tolist() for n in VARIANT_ROWS]
    ids, mask = common.pad_batch(id_lists, 0)
    with torch.no_grad():
        logits = float64_copy(module, VARIANT_CONFIG)(ids, mask) * mask[..., None]
        logits32 = module(ids, mask).double() * mask[..., None]
    common.write_json(os.path.join(VARIANT_DIR, "reference.json"), {
        "notes": "scripts/hub_fixtures/modernbert.py write_variant(): float64 reference logits of the module in "
                 "model.safetensors; padded rows are 0 (not compared).",
        "ids": ids.tolist(), "attentionMask": mask.tolist(), "dims": list(logits.shape),
        "logits": [float(v) for v in logits.flatten()],
    }, indent=None)
    return float((logits - logits32).abs().max())


def main() -> None:
    import common

    module = ModernBertForMaskedLM(FIXTURE_CONFIG)
    common.init_params(module, seed=SEED, embedding_std=EMBEDDING_STD, overrides={
        "decoder.bias": lambda rng, shape: DECODER_BIAS_MEAN + 0.5 * rng.standard_normal(shape),
    })
    common.round_params_to(module, STORED_DTYPE)
    module.eval()

    folder = common.reset_repo_dir(MODEL_ID)
    # ModernBERT at the root (the MLMTransformer module's path is ""), SpladePooling in 1_SpladePooling.
    state = common.hf_state_dict(module, drop=["decoder.weight"])
    common.write_safetensors(os.path.join(folder, "model.safetensors"), state, STORED_DTYPE)
    _, stored = common.read_safetensors(os.path.join(folder, "model.safetensors"))
    common.check_file_matches_module(stored, module)
    common.write_json(os.path.join(folder, "config.json"), FIXTURE_CONFIG)
    copy_korean_tokenizer(folder)
    common.write_sentence_bert_config(folder, max_seq_length=8192, do_lower_case=False)
    common.write_modules_json(folder, [("", "MLMTransformer"), ("1_SpladePooling", "SpladePooling")])
    common.write_config_sentence_transformers(folder, prompts={"query": "", "document": ""})
    common.write_splade_pooling(os.path.join(folder, "1_SpladePooling"), "relu", 50000)

    ids = spm_ids(TEXTS)
    common.check_tokenizer_with_node(folder, TEXTS, ids)
    window = FIXTURE_CONFIG["local_attention"] // 2
    assert sum(len(x) > 2 * window + 1 for x in ids) >= 3, "most texts must be longer than the local window"

    ref = float64_copy(module, FIXTURE_CONFIG)
    vectors = common.reference_vectors(lambda i, m: ref(i, m), ids, 0, "relu", BATCH)
    # The float32 module (what the TypeScript graph computes) against the float64 reference.
    vectors32 = common.reference_vectors(lambda i, m: module(i, m), ids, 0, "relu", BATCH, tol=1e-5)
    f32_error = max_sparse_diff(vectors, vectors32)

    # The sliding window and the per-type rope thetas must matter: all-global attention, or one
    # theta for every layer, gives other vectors.
    effects = {}
    for label, change in (("all layers global", {"global_attn_every_n_layers": 1}),
                          ("one rope theta", {"local_rope_theta": FIXTURE_CONFIG["global_rope_theta"]})):
        other = float64_copy(module, dict(FIXTURE_CONFIG, **change))
        effects[label] = max_sparse_diff(vectors, common.reference_vectors(lambda i, m: other(i, m), ids, 0, "relu",
                                                                            BATCH))

    notes = (
        "ModernBertForMaskedLM at scaled-down real shapes (hidden 16, 4 layers, 2 heads of 8, GLU intermediate 32, "
        "vocab 50000, max_position_embeddings 8192), random seeded weights stored F16 (the reference uses exactly "
        "the stored values), config in the older form (global_attn_every_n_layers 3: layers 0 and 3 global with "
        "global_rope_theta 160000, layers 1 and 2 a window |i - j| <= local_attention/2 = 4 with local_rope_theta "
        "10000), norms without bias, no attention norm in layer 0, decoder tied to the token embeddings (no "
        "decoder.weight in the file) with a bias. Tokenizer: public/models/splade-tiny-ko's Korean SentencePiece "
        "Unigram tokenizer.json, which has exactly 50000 pieces (PIXIE's own tokenizer is not reachable here; "
        "ids from the SentencePiece library, checked against @huggingface/tokenizers). Reference: "
        "scripts/hub_fixtures/modernbert.py (written from transformers' modeling_modernbert.py, eager/sdpa path) "
        "in float64; vectors = max over tokens of log1p(relu(logits)) (SpladePooling max/relu), special tokens "
        f"kept. Token counts {[len(x) for x in ids]}. The float32 module differs by up to {f32_error:.2g}; "
        f"all-global attention would change the vectors by up to {effects['all layers global']:.3g}, one rope "
        f"theta for all layers by up to {effects['one rope theta']:.3g}."
    )
    path = common.write_reference(MODEL_ID, "ModernBertForMaskedLM", TEXTS, vectors, BATCH, notes,
                                  extra={"ids": ids})
    worst = common.onnx_check(module, ["input_ids", "attention_mask"], ids, 0, "relu", vectors, BATCH)
    nnz = [len(v["indices"]) for v in vectors]
    print(f"{path}: tokens {[len(x) for x in ids]}, active entries {nnz}")
    print(f"float32 module vs float64 reference: {f32_error:.3g}; effects {effects}")
    print(f"onnxruntime-node (torch.onnx.export of the module) vs reference: max |diff| {worst:.3g}")
    print(f"{folder}: {common.folder_size(folder)} bytes")
    print(f"{VARIANT_DIR}: float32 module vs float64 reference {write_variant():.3g}")
    if worst > 1e-5:
        raise SystemExit(f"the ONNX export of the reference differs by {worst} (> 1e-5)")


if __name__ == "__main__":
    main()
