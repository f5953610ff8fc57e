"""PyTorch references for the BERT family, written from transformers' published modeling code
(modeling_bert.py, modeling_distilbert.py, modeling_roberta.py / modeling_xlm_roberta.py), eval
mode (dropout off), eager attention. Module and parameter names are exactly Hugging Face's, so
state_dict() gives the tensor names the real checkpoints carry.

Each model is built from a config.json dict and called as
model(input_ids=, attention_mask=[, token_type_ids=]) -> logits [batch, tokens, vocab].

What each does (and where they differ; the graph builder must follow the same):
- BertForMaskedLM: embeddings = word + position (0..T-1) + token_type (type 0 when not given),
  LayerNorm(layer_norm_eps). Post-LN layers: attention (scores q.k / sqrt(head_dim) plus
  (1 - mask) * finfo.min, softmax, context, dense) -> LayerNorm(x + attn); FFN dense ->
  ACT2FN[hidden_act] -> dense -> LayerNorm(h + ffn). Head cls.predictions: transform.dense ->
  ACT2FN[hidden_act] -> transform.LayerNorm -> decoder (tied to the word embeddings) + bias.
- DistilBertForMaskedLM: no token types; position ids 0..T-1; every LayerNorm eps is 1e-12
  hard-coded (config has no layer_norm_eps); q is divided by sqrt(head_dim) BEFORE q.k; masked
  scores are replaced (masked_fill) by finfo.min rather than added; the FFN and the head use
  config["activation"]; head: vocab_transform -> activation -> vocab_layer_norm ->
  vocab_projector (weight tied to the word embeddings, own bias).
- XLMRobertaForMaskedLM (= RobertaForMaskedLM): position ids = cumsum(input_ids != pad) *
  (input_ids != pad) + pad_token_id, so the first real token sits at pad_token_id + 1 and padding
  at pad_token_id; token_type_embeddings has one row (type_vocab_size 1), always added (row 0);
  encoder as BERT; head lm_head: dense -> gelu (always exact gelu, whatever hidden_act says) ->
  layer_norm(layer_norm_eps) -> decoder (tied) + lm_head.bias.
"""

from __future__ import annotations

import math
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

ACT2FN = {
    "gelu": lambda x: F.gelu(x),  # exact (erf) GELU
    "relu": F.relu,
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),
    "silu": F.silu,
}


def _extended_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[b, t] 1/0 -> [b, 1, 1, t] 0 / finfo(dtype).min, added to the scores (BERT, RoBERTa)."""
    m = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


# ---------------------------------------------------------------------------
# BERT encoder (shared by BERT and XLM-R; names bert.encoder.layer.N... / roberta.encoder...)
# ---------------------------------------------------------------------------

class BertSelfAttention(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.num_heads = cfg["num_attention_heads"]
        self.head_dim = cfg["hidden_size"] // self.num_heads
        h = cfg["hidden_size"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def forward(self, x: torch.Tensor, ext_mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def heads(y):
            return y.view(b, t, self.num_heads, self.head_dim).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + ext_mask
        probs = torch.softmax(scores, dim=-1)
        return torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])
        self.act = ACT2FN[cfg["hidden_act"]]

    def forward(self, x):
        return self.act(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.dense = nn.Linear(cfg["intermediate_size"], cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class BertLayer(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, x, ext_mask):
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, attention_mask):
        ext = _extended_mask(attention_mask, x.dtype)
        for layer in self.layer:
            x = layer(x, ext)
        return x


# ---------------------------------------------------------------------------
# BertForMaskedLM
# ---------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        h = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids=None):
        t = input_ids.shape[1]
        position_ids = torch.arange(t, dtype=torch.int64)[None, :].expand_as(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        e = e + self.position_embeddings(position_ids)
        return self.LayerNorm(e)


class BertModel(nn.Module):
    """BertModel(add_pooling_layer=False), as BertForMaskedLM builds it: no pooler weights."""

    def __init__(self, cfg: Dict):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.encoder(self.embeddings(input_ids, token_type_ids), attention_mask)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])
        self.act = ACT2FN[cfg["hidden_act"]]
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, x):
        return self.LayerNorm(self.act(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, cfg: Dict, word_embeddings: nn.Embedding):
        super().__init__()
        # Registered first, as in HF: the state dict lists cls.predictions.bias before transform.*.
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))
        self.transform = BertPredictionHeadTransform(cfg)
        self.decoder = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        self.decoder.weight = word_embeddings.weight  # tied: left out of the saved file
        self.decoder.bias = self.bias  # shared: saved once, as cls.predictions.bias

    def forward(self, x):
        return self.decoder(self.transform(x))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, cfg: Dict, word_embeddings: nn.Embedding):
        super().__init__()
        self.predictions = BertLMPredictionHead(cfg, word_embeddings)

    def forward(self, x):
        return self.predictions(x)


class BertForMaskedLM(nn.Module):
    TIED = ["cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]

    def __init__(self, cfg: Dict):
        super().__init__()
        self.bert = BertModel(cfg)
        self.cls = BertOnlyMLMHead(cfg, self.bert.embeddings.word_embeddings)

    def forward(self, input_ids, attention_mask, token_type_ids: Optional[torch.Tensor] = None):
        return self.cls(self.bert(input_ids, attention_mask, token_type_ids))


# ---------------------------------------------------------------------------
# DistilBertForMaskedLM
# ---------------------------------------------------------------------------

class DistilEmbeddings(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["dim"], padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], cfg["dim"])
        self.LayerNorm = nn.LayerNorm(cfg["dim"], eps=1e-12)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        position_ids = torch.arange(t, dtype=torch.int64)[None, :].expand_as(input_ids)
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.n_heads = cfg["n_heads"]
        d = cfg["dim"]
        self.q_lin = nn.Linear(d, d)
        self.k_lin = nn.Linear(d, d)
        self.v_lin = nn.Linear(d, d)
        self.out_lin = nn.Linear(d, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        dh = d // self.n_heads

        def heads(y):
            return y.view(b, t, self.n_heads, dh).transpose(1, 2)

        q = heads(self.q_lin(x)) / math.sqrt(dh)
        k, v = heads(self.k_lin(x)), heads(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        masked = (mask == 0).view(b, 1, 1, t).expand_as(scores)
        scores = scores.masked_fill(masked, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=-1)
        return self.out_lin(torch.matmul(weights, v).transpose(1, 2).reshape(b, t, d))


class FFN(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.lin1 = nn.Linear(cfg["dim"], cfg["hidden_dim"])
        self.lin2 = nn.Linear(cfg["hidden_dim"], cfg["dim"])
        self.activation = ACT2FN[cfg["activation"]]

    def forward(self, x):
        return self.lin2(self.activation(self.lin1(x)))


class TransformerBlock(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.attention = MultiHeadSelfAttention(cfg)
        self.sa_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.ffn = FFN(cfg)
        self.output_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)

    def forward(self, x, mask):
        sa = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Transformer(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        self.embeddings = DistilEmbeddings(cfg)
        self.transformer = Transformer(cfg)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForMaskedLM(nn.Module):
    TIED = ["vocab_projector.weight"]

    def __init__(self, cfg: Dict):
        super().__init__()
        self.activation = ACT2FN[cfg["activation"]]
        self.distilbert = DistilBertModel(cfg)
        self.vocab_transform = nn.Linear(cfg["dim"], cfg["dim"])
        self.vocab_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.vocab_projector = nn.Linear(cfg["dim"], cfg["vocab_size"])
        self.vocab_projector.weight = self.distilbert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.distilbert(input_ids, attention_mask)
        return self.vocab_projector(self.vocab_layer_norm(self.activation(self.vocab_transform(h))))


# ---------------------------------------------------------------------------
# XLMRobertaForMaskedLM (RobertaForMaskedLM has the same modules and names)
# ---------------------------------------------------------------------------

class RobertaEmbeddings(nn.Module):
    def __init__(self, cfg: Dict):
        super().__init__()
        h = cfg["hidden_size"]
        self.padding_idx = cfg["pad_token_id"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h, padding_idx=self.padding_idx)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h, padding_idx=self.padding_idx)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids=None):
        # create_position_ids_from_input_ids: non-padding tokens count up from padding_idx + 1.
        not_pad = input_ids.ne(self.padding_idx).to(torch.int64)
        position_ids = torch.cumsum(not_pad, dim=1) * not_pad + self.padding_idx
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        e = e + self.position_embeddings(position_ids)
        return self.LayerNorm(e)


class RobertaModel(nn.Module):
    """RobertaModel(add_pooling_layer=False), as *ForMaskedLM builds it."""

    def __init__(self, cfg: Dict):
        super().__init__()
        self.embeddings = RobertaEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.encoder(self.embeddings(input_ids, token_type_ids), attention_mask)


class RobertaLMHead(nn.Module):
    def __init__(self, cfg: Dict, word_embeddings: nn.Embedding):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])
        self.layer_norm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])
        self.decoder = nn.Linear(cfg["hidden_size"], cfg["vocab_size"])
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))
        self.decoder.bias = self.bias  # shared: saved once, as lm_head.bias
        self.decoder.weight = word_embeddings.weight  # tied: left out of the saved file

    def forward(self, x):
        return self.decoder(self.layer_norm(F.gelu(self.dense(x))))


class XLMRobertaForMaskedLM(nn.Module):
    TIED = ["lm_head.decoder.weight", "lm_head.decoder.bias"]

    def __init__(self, cfg: Dict):
        super().__init__()
        self.roberta = RobertaModel(cfg)
        self.lm_head = RobertaLMHead(cfg, self.roberta.embeddings.word_embeddings)

    def forward(self, input_ids, attention_mask, token_type_ids: Optional[torch.Tensor] = None):
        return self.lm_head(self.roberta(input_ids, attention_mask, token_type_ids))
