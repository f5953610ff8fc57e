#!/usr/bin/python3
"""Cross-checks the BERT-family fixtures against a second implementation: the files (not the
modules) are loaded into scripts/splade_build/models.py's BertMLM (written earlier for the tiny
bundled model) and its pooled vectors are compared with the references, alone texts only.

DistilBERT maps onto it with a zero token-type row and eps 1e-12 (its q scaling before q.k and
masked_fill of the scores are the same maths); XLM-R with its position table shifted by
pad_token_id + 1 (texts alone, no padding). Legacy gamma/beta names are mapped back.

    /usr/bin/python3 scripts/hub_fixtures/crosscheck_bert_family.py
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import common as C  # noqa: E402
from splade_build.models import BertConfig, BertMLM  # noqa: E402


def load(folder, names):
    out = {}
    for n in names:
        out.update(C.read_safetensors(os.path.join(folder, n))[1])
    return {k.replace(".gamma", ".weight").replace(".beta", ".bias"): torch.from_numpy(np.array(v, dtype=np.float64))
            for k, v in out.items() if v.dtype != np.int64}


def bert_mlm(t, p, cfg, prefix_layers, names, head, positions=None):
    """Fills BertMLM from tensors `t`: p = embeddings prefix, names = per-layer name map."""
    m = BertMLM(cfg).double().eval()
    sd = {
        "word_embeddings.weight": t[p + "word_embeddings.weight"],
        "position_embeddings.weight": positions if positions is not None else t[p + "position_embeddings.weight"],
        "token_type_embeddings.weight": t.get(p + "token_type_embeddings.weight",
                                              torch.zeros(cfg.type_vocab_size, cfg.hidden_size, dtype=torch.float64)),
        "emb_norm.weight": t[p + "LayerNorm.weight"], "emb_norm.bias": t[p + "LayerNorm.bias"],
    }
    for i in range(cfg.num_hidden_layers):
        for ours, theirs in names.items():
            for wb in ("weight", "bias"):
                sd[f"layers.{i}.{ours}.{wb}"] = t[f"{prefix_layers}{i}.{theirs}.{wb}"]
    for ours, theirs in head.items():
        sd[ours] = t[theirs]
    m.load_state_dict(sd)
    return m


def compare(model_id, m, activation):
    ref = json.load(open(os.path.join(C.REFERENCES, model_id.replace("/", "__") + ".json")))
    worst = 0.0
    for ids, vec in zip(ref["input_ids"], ref["vectors"]):
        i = torch.tensor([ids])
        mask = torch.ones_like(i)
        with torch.no_grad():
            v = C.splade_pool(m(i, mask, torch.zeros_like(i)), mask, activation)[0].numpy()
        exp = np.zeros_like(v)
        exp[vec["indices"]] = vec["values"]
        worst = max(worst, float(np.abs(v - exp).max()))
    print(f"{model_id}: second implementation vs reference, max |diff| {worst:.2e}")
    return worst


BERT_LAYER = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
              "attn_out": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
              "intermediate": "intermediate.dense", "output": "output.dense", "out_norm": "output.LayerNorm"}
DISTIL_LAYER = {"query": "attention.q_lin", "key": "attention.k_lin", "value": "attention.v_lin",
                "attn_out": "attention.out_lin", "attn_norm": "sa_layer_norm", "intermediate": "ffn.lin1",
                "output": "ffn.lin2", "out_norm": "output_layer_norm"}


def main():
    worst = 0.0
    # naver/splade-v3
    folder = C.repo_dir("naver/splade-v3")
    cfg = json.load(open(os.path.join(folder, "config.json")))
    idx = json.load(open(os.path.join(folder, "model.safetensors.index.json")))
    t = load(folder, sorted(set(idx["weight_map"].values())))
    bc = BertConfig(vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"],
                    num_hidden_layers=cfg["num_hidden_layers"], num_attention_heads=cfg["num_attention_heads"],
                    intermediate_size=cfg["intermediate_size"], layer_norm_eps=cfg["layer_norm_eps"])
    m = bert_mlm(t, "bert.embeddings.", bc, "bert.encoder.layer.", BERT_LAYER, {
        "head_dense.weight": "cls.predictions.transform.dense.weight",
        "head_dense.bias": "cls.predictions.transform.dense.bias",
        "head_norm.weight": "cls.predictions.transform.LayerNorm.weight",
        "head_norm.bias": "cls.predictions.transform.LayerNorm.bias", "decoder_bias": "cls.predictions.bias"})
    worst = max(worst, compare("naver/splade-v3", m, "relu"))

    # DistilBERT
    model_id = "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill"
    folder = os.path.join(C.repo_dir(model_id), "document_0_MLMTransformer")
    cfg = json.load(open(os.path.join(folder, "config.json")))
    t = load(folder, ["model.safetensors"])
    bc = BertConfig(vocab_size=cfg["vocab_size"], hidden_size=cfg["dim"], num_hidden_layers=cfg["n_layers"],
                    num_attention_heads=cfg["n_heads"], intermediate_size=cfg["hidden_dim"], layer_norm_eps=1e-12,
                    type_vocab_size=1)
    m = bert_mlm(t, "distilbert.embeddings.", bc, "distilbert.transformer.layer.", DISTIL_LAYER, {
        "head_dense.weight": "vocab_transform.weight", "head_dense.bias": "vocab_transform.bias",
        "head_norm.weight": "vocab_layer_norm.weight", "head_norm.bias": "vocab_layer_norm.bias",
        "decoder_bias": "vocab_projector.bias"})
    worst = max(worst, compare(model_id, m, "log1p_relu"))

    # XLM-R: positions start at pad_token_id + 1 for an unpadded text
    model_id = "sparse-encoder-testing/splade-xlm-roberta-tiny"
    folder = C.repo_dir(model_id)
    cfg = json.load(open(os.path.join(folder, "config.json")))
    t = load(folder, ["model.safetensors"])
    bc = BertConfig(vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"],
                    num_hidden_layers=cfg["num_hidden_layers"], num_attention_heads=cfg["num_attention_heads"],
                    intermediate_size=cfg["intermediate_size"], layer_norm_eps=cfg["layer_norm_eps"],
                    max_position_embeddings=cfg["max_position_embeddings"] - cfg["pad_token_id"] - 1,
                    type_vocab_size=1)
    shifted = t["roberta.embeddings.position_embeddings.weight"][cfg["pad_token_id"] + 1:]
    m = bert_mlm(t, "roberta.embeddings.", bc, "roberta.encoder.layer.", BERT_LAYER, {
        "head_dense.weight": "lm_head.dense.weight", "head_dense.bias": "lm_head.dense.bias",
        "head_norm.weight": "lm_head.layer_norm.weight", "head_norm.bias": "lm_head.layer_norm.bias",
        "decoder_bias": "lm_head.bias"}, positions=shifted)
    worst = max(worst, compare(model_id, m, "relu"))
    if worst > 1e-9:
        raise SystemExit(f"second implementation differs by {worst:.2e}")


if __name__ == "__main__":
    main()
