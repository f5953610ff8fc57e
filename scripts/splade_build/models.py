"""Tiny masked-LM models in plain PyTorch.

* ``BertMLM``: the BertForMaskedLM architecture (word + position + token-type
  embeddings with LayerNorm, post-LN encoder layers with biases, MLM head
  dense -> gelu -> LayerNorm -> decoder tied to the word embeddings + bias).
* ``ModernBertMLM``: the ModernBertForMaskedLM architecture (token embeddings +
  LayerNorm without bias, pre-LN layers whose first attention norm is the identity,
  fused Wqkv, rotary position embeddings, global attention every
  ``global_attn_every_n_layers`` layers (layer 0 included) and sliding-window local
  attention (|i - j| <= local_attention // 2) in the others, GeGLU MLP, no biases,
  final norm, head dense -> gelu -> norm, decoder tied to the embeddings + bias).

Both return logits [batch, seq, vocab]. Masked keys get -1e9 added before the
softmax (a finite value: a query row whose keys are all masked stays finite).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

MASK_VALUE = -1e9


def _tied_decoder(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """logits = h @ weight.T + bias, written as a 2-D linear so that the ONNX export
    is a single Gemm(transB=1) reading the embedding initializer (no transposed copy)."""
    b, s, d = h.shape
    flat = h.reshape(b * s, d)
    out = F.linear(flat, weight, bias)
    return out.reshape(b, s, weight.shape[0])


# ---------------------------------------------------------------------------
# BERT
# ---------------------------------------------------------------------------

@dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0

    def hf_config(self) -> dict:
        return {
            "architectures": ["BertForMaskedLM"],
            "model_type": "bert",
            "attention_probs_dropout_prob": 0.1,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "hidden_size": self.hidden_size,
            "initializer_range": 0.02,
            "intermediate_size": self.intermediate_size,
            "layer_norm_eps": self.layer_norm_eps,
            "max_position_embeddings": self.max_position_embeddings,
            "num_attention_heads": self.num_attention_heads,
            "num_hidden_layers": self.num_hidden_layers,
            "pad_token_id": self.pad_token_id,
            "position_embedding_type": "absolute",
            "tie_word_embeddings": True,
            "torch_dtype": "float32",
            "type_vocab_size": self.type_vocab_size,
            "use_cache": True,
            "vocab_size": self.vocab_size,
        }


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        h, i = cfg.hidden_size, cfg.intermediate_size
        self.n_heads = cfg.num_attention_heads
        self.head_dim = h // cfg.num_attention_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.attn_out = nn.Linear(h, h)
        self.attn_norm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.intermediate = nn.Linear(h, i)
        self.output = nn.Linear(i, h)
        self.out_norm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)

    def forward(self, x: torch.Tensor, add_mask: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        hd = self.head_dim

        def split(t):
            return t.reshape(b, s, self.n_heads, hd).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + add_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, d)
        x = self.attn_norm(self.attn_out(ctx) + x)
        y = self.output(F.gelu(self.intermediate(x)))
        return self.out_norm(y + x)


class BertMLM(nn.Module):
    def __init__(self, cfg: BertConfig):
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden_size
        self.word_embeddings = nn.Embedding(cfg.vocab_size, h)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, h)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, h)
        self.emb_norm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.layers = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.head_dense = nn.Linear(h, h)
        self.head_norm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.decoder_bias = nn.Parameter(torch.zeros(cfg.vocab_size))

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        pos = self.position_embeddings.weight[:s].unsqueeze(0)
        x = self.word_embeddings(input_ids) + pos + self.token_type_embeddings(token_type_ids)
        x = self.emb_norm(x)
        add_mask = (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * MASK_VALUE
        for layer in self.layers:
            x = layer(x, add_mask)
        h = self.head_norm(F.gelu(self.head_dense(x)))
        return _tied_decoder(h, self.word_embeddings.weight, self.decoder_bias)


# ---------------------------------------------------------------------------
# ModernBERT
# ---------------------------------------------------------------------------

@dataclass
class ModernBertConfig:
    vocab_size: int = 50000
    hidden_size: int = 32
    num_hidden_layers: int = 3
    num_attention_heads: int = 2
    intermediate_size: int = 256
    global_attn_every_n_layers: int = 3
    local_attention: int = 16
    global_rope_theta: float = 160000.0
    local_rope_theta: float = 10000.0
    max_position_embeddings: int = 512
    norm_eps: float = 1e-5
    pad_token_id: int = 0
    unk_token_id: int = 1
    cls_token_id: int = 2
    sep_token_id: int = 3
    mask_token_id: int = 4

    def hf_config(self) -> dict:
        return {
            "architectures": ["ModernBertForMaskedLM"],
            "model_type": "modernbert",
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": self.cls_token_id,
            "classifier_activation": "gelu",
            "classifier_bias": False,
            "classifier_dropout": 0.0,
            "classifier_pooling": "mean",
            "cls_token_id": self.cls_token_id,
            "decoder_bias": True,
            "deterministic_flash_attn": False,
            "embedding_dropout": 0.0,
            "eos_token_id": self.sep_token_id,
            "global_attn_every_n_layers": self.global_attn_every_n_layers,
            "global_rope_theta": self.global_rope_theta,
            "hidden_activation": "gelu",
            "hidden_size": self.hidden_size,
            "initializer_cutoff_factor": 2.0,
            "initializer_range": 0.02,
            "intermediate_size": self.intermediate_size,
            "layer_norm_eps": self.norm_eps,
            "local_attention": self.local_attention,
            "local_rope_theta": self.local_rope_theta,
            "mask_token_id": self.mask_token_id,
            "max_position_embeddings": self.max_position_embeddings,
            "mlp_bias": False,
            "mlp_dropout": 0.0,
            "norm_bias": False,
            "norm_eps": self.norm_eps,
            "num_attention_heads": self.num_attention_heads,
            "num_hidden_layers": self.num_hidden_layers,
            "pad_token_id": self.pad_token_id,
            "position_embedding_type": "absolute",
            "sep_token_id": self.sep_token_id,
            "tie_word_embeddings": True,
            "torch_dtype": "float32",
            "unk_token_id": self.unk_token_id,
            "vocab_size": self.vocab_size,
        }


class NoBiasLayerNorm(nn.Module):
    def __init__(self, h: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(h))
        # ModernBERT's norms have no bias. The ONNX export still gets an explicit zero
        # bias: onnxruntime 1.30 crashes on LayerNormalization with the optional bias absent.
        self.register_buffer("zero_bias", torch.zeros(h), persistent=False)
        self.h = h
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, (self.h,), self.weight, self.zero_bias, self.eps)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class ModernBertLayer(nn.Module):
    def __init__(self, cfg: ModernBertConfig, idx: int):
        super().__init__()
        h, i = cfg.hidden_size, cfg.intermediate_size
        self.n_heads = cfg.num_attention_heads
        self.head_dim = h // cfg.num_attention_heads
        self.is_global = idx % cfg.global_attn_every_n_layers == 0
        self.window = cfg.local_attention // 2
        theta = cfg.global_rope_theta if self.is_global else cfg.local_rope_theta
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        # cos/sin tables are precomputed for every position and exported as constants: GPU sin/cos
        # of angles up to max_position_embeddings radians are not accurate enough (fp32 goldens).
        freqs = torch.arange(cfg.max_position_embeddings, dtype=torch.float32)[:, None] * inv_freq[None, :]
        emb = torch.cat([freqs, freqs], dim=-1)
        self.register_buffer("rope_cos", emb.cos(), persistent=False)
        self.register_buffer("rope_sin", emb.sin(), persistent=False)
        self.attn_norm = nn.Identity() if idx == 0 else NoBiasLayerNorm(h, cfg.norm_eps)
        self.Wqkv = nn.Linear(h, 3 * h, bias=False)
        self.Wo = nn.Linear(h, h, bias=False)
        self.mlp_norm = NoBiasLayerNorm(h, cfg.norm_eps)
        self.Wi = nn.Linear(h, 2 * i, bias=False)
        self.mlp_Wo = nn.Linear(i, h, bias=False)

    def attention(self, x: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        qkv = self.Wqkv(x).reshape(b, s, 3, self.n_heads, self.head_dim)
        q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))  # b, nh, s, hd
        cos, sin = self.rope_cos[:s], self.rope_sin[:s]
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        allowed = pad_mask[:, None, None, :].to(torch.bool)
        if not self.is_global:
            idx = torch.arange(s, device=x.device)
            near = (idx[:, None] - idx[None, :]).abs() <= self.window
            allowed = allowed & near[None, None, :, :]
        scores = scores + (~allowed).to(scores.dtype) * MASK_VALUE
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, d)
        return self.Wo(ctx)

    def mlp(self, x: torch.Tensor) -> torch.Tensor:
        inp, gate = self.Wi(x).chunk(2, dim=-1)
        return self.mlp_Wo(F.gelu(inp) * gate)

    def forward(self, x, pad_mask):
        x = x + self.attention(self.attn_norm(x), pad_mask)
        return x + self.mlp(self.mlp_norm(x))


class ModernBertMLM(nn.Module):
    def __init__(self, cfg: ModernBertConfig):
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden_size
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, h)
        self.emb_norm = NoBiasLayerNorm(h, cfg.norm_eps)
        self.layers = nn.ModuleList([ModernBertLayer(cfg, i) for i in range(cfg.num_hidden_layers)])
        self.final_norm = NoBiasLayerNorm(h, cfg.norm_eps)
        self.head_dense = nn.Linear(h, h, bias=False)
        self.head_norm = NoBiasLayerNorm(h, cfg.norm_eps)
        self.decoder_bias = nn.Parameter(torch.zeros(cfg.vocab_size))

    def forward(self, input_ids, attention_mask):
        x = self.emb_norm(self.tok_embeddings(input_ids))
        for layer in self.layers:
            x = layer(x, attention_mask)
        x = self.final_norm(x)
        h = self.head_norm(F.gelu(self.head_dense(x)))
        return _tied_decoder(h, self.tok_embeddings.weight, self.decoder_bias)
