#!/usr/bin/python3
"""Full-size random-weight copies of real SPLADE hub repositories, for `npm run bench:models`.

    /usr/bin/python3 bench/make_models.py [--out .cache/bench-models] [bert distill gte modernbert]

Each model is the hub fixture of scripts/hub_fixtures (test/fixtures/hub/<owner>/<name>/: the
repository laid out file for file, tokenizer files, Router / pooling configs, query table) with the
transformer's config.json set to the REAL model's sizes and a model.safetensors of random weights
at those sizes, written by the fixture makers' own PyTorch modules (bert_family.py, gte.py,
modernbert.py) under the real tensor names. The result is hundreds of MB per model, so it is
written under .cache/ (ignored by git) and never committed.

Weights are F32 (the dtype variants come later). A folder is remade only when the SHA-256 of this
script and the model's config (kept in <folder>/.stamp) changed; a half-written folder is never
taken for a finished one (it is written beside and renamed, the stamp last).

Random weights: common.init_params (seeded numpy), with two changes so the vectors look like a
trained SPLADE model's rather than half the vocabulary:
  - the decoder bias is N(-6, 0.5) (as the fixtures' notes say: most logits stay below 0);
  - the embeddings (which are also the tied decoder weight) are N(0, (s / sqrt(hidden))^2), so a
    logit (the head's normalized hidden state . one embedding row) has a spread of about s whatever
    the width (at the fixtures' N(0, 0.25) and hidden 768 it would be about 14). s is set per model
    (`logit_spread`, 1.5 to 2.5) so that 128 random tokens give a few hundred active entries: the
    post-LN models' random token states are much alike (max pooling adds little), ModernBERT's
    are not.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts", "hub_fixtures"))

import torch  # noqa: E402

import common as C  # noqa: E402
from bert_family import BertForMaskedLM, DistilBertForMaskedLM  # noqa: E402
from gte import NewForMaskedLM  # noqa: E402
from modernbert import ModernBertForMaskedLM  # noqa: E402

torch.set_num_threads(1)

DECODER_BIAS_MEAN = -6.0
DECODER_BIAS_STD = 0.5

# The real models' sizes over the fixture's config.json (which already has the real keys).
MODELS = {
    "bert": {
        "id": "naver/splade-v3",
        "module": BertForMaskedLM,
        "transformer_dir": "",
        "decoder_bias": "cls.predictions.bias",
        "drop": BertForMaskedLM.TIED,
        "sizes": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                  "vocab_size": 30522, "max_position_embeddings": 512, "type_vocab_size": 2},
        "hidden_key": "hidden_size",
        "logit_spread": 2.5,
        "seed": 1901,
    },
    "distill": {
        "id": "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill",
        "module": DistilBertForMaskedLM,
        "transformer_dir": "document_0_MLMTransformer",
        "decoder_bias": "vocab_projector.bias",
        "drop": DistilBertForMaskedLM.TIED,
        "sizes": {"dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072, "vocab_size": 30522,
                  "max_position_embeddings": 512, "torch_dtype": "float32"},
        "hidden_key": "dim",
        "logit_spread": 1.8,
        "seed": 1902,
    },
    "gte": {
        "id": "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte",
        "module": NewForMaskedLM,
        "transformer_dir": "",
        "decoder_bias": "lm_head.decoder.bias",
        "drop": ["lm_head.decoder.weight"],
        # gte-base-en-v1.5 as published: rope_theta 500000, NTK rope_scaling factor 2, 8192
        # positions, no token types (the fixture config already carries those keys).
        "sizes": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                  "vocab_size": 30522, "max_position_embeddings": 8192, "rope_theta": 500000,
                  "rope_scaling": {"factor": 2.0, "type": "ntk"}, "type_vocab_size": 0},
        "hidden_key": "hidden_size",
        "logit_spread": 2.0,
        "seed": 1903,
    },
    "modernbert": {
        "id": "telepix/PIXIE-Splade-Preview",
        "module": ModernBertForMaskedLM,
        "transformer_dir": "",
        "decoder_bias": "decoder.bias",
        "drop": ["decoder.weight"],
        "sizes": {"hidden_size": 768, "num_hidden_layers": 22, "num_attention_heads": 12, "intermediate_size": 1152,
                  "vocab_size": 50000, "max_position_embeddings": 8192, "local_attention": 128,
                  "global_attn_every_n_layers": 3, "torch_dtype": "float32"},
        "hidden_key": "hidden_size",
        "logit_spread": 1.5,
        "seed": 1904,
    },
}

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")


def is_weights(name: str) -> bool:
    return name in WEIGHT_FILES or (name.startswith("model-") and name.endswith(".safetensors"))


def full_config(key: str) -> dict:
    spec = MODELS[key]
    with open(os.path.join(C.repo_dir(spec["id"]), spec["transformer_dir"], "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config.update(spec["sizes"])
    return config


def stamp_of(key: str, config: dict) -> str:
    with open(os.path.abspath(__file__), "rb") as f:
        script = f.read()
    return hashlib.sha256(script + json.dumps({"key": key, "config": config}, sort_keys=True).encode()).hexdigest()


def make(key: str, out_root: str) -> dict:
    spec = MODELS[key]
    config = full_config(key)
    stamp = stamp_of(key, config)
    dest = os.path.join(out_root, spec["id"])
    stamp_path = os.path.join(dest, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read().strip() == stamp:
        print(f"{spec['id']}: up to date ({dest})")
        return {"model": spec["id"], "made": False}

    started = time.time()
    partial = dest + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    fixture = C.repo_dir(spec["id"])
    transformer = os.path.join(fixture, spec["transformer_dir"]) if spec["transformer_dir"] else fixture

    def skip(folder: str, names):
        # The fixture's weights and config of the transformer folder are replaced; everything
        # else (tokenizer, Router, pooling, query table, idf.json) is the fixture's, file for file.
        if os.path.abspath(folder) != os.path.abspath(transformer):
            return []
        return [n for n in names if is_weights(n) or n == "config.json"]

    shutil.copytree(fixture, partial, ignore=skip)
    module = spec["module"](config).eval()
    hidden = int(config[spec["hidden_key"]])
    C.init_params(module, seed=spec["seed"], embedding_std=spec["logit_spread"] / math.sqrt(hidden), overrides={
        spec["decoder_bias"]: lambda rng, shape: DECODER_BIAS_MEAN + DECODER_BIAS_STD * rng.standard_normal(shape),
    })
    folder = os.path.join(partial, spec["transformer_dir"]) if spec["transformer_dir"] else partial
    # One file, as save_pretrained writes a model under its 5 GB default shard size.
    data_bytes = C.write_safetensors(os.path.join(folder, "model.safetensors"),
                                     C.hf_state_dict(module, drop=spec["drop"]), "F32")
    C.write_json(os.path.join(folder, "config.json"), config)
    active = active_entries(module, config)
    del module
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    os.rename(partial, dest)
    with open(stamp_path, "w") as f:
        f.write(stamp + "\n")
    seconds = time.time() - started
    print(f"{spec['id']}: {data_bytes / 1e6:.0f} MB of F32 weights, {C.folder_size(dest) / 1e6:.0f} MB in all, "
          f"{active} active entries for 128 random tokens, {seconds:.0f} s ({dest})")
    return {"model": spec["id"], "made": True, "weightBytes": data_bytes, "seconds": seconds}


def active_entries(module, config: dict) -> int:
    """Vocabulary entries > 0 after max pooling the logits of 128 random token ids: a check that the
    random model's vectors are sparse-ish (a trained SPLADE document has a few hundred)."""
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, int(config["vocab_size"]), (1, 128), generator=gen)
    mask = torch.ones_like(ids)
    with torch.no_grad():
        logits = module(ids, mask)
    return int((logits[0].max(dim=0).values > 0).sum())


def main() -> None:
    args = sys.argv[1:]
    out_root = os.path.join(REPO, ".cache", "bench-models")
    if "--out" in args:
        k = args.index("--out")
        out_root = os.path.abspath(args[k + 1])
        del args[k:k + 2]
    keys = args or list(MODELS)
    unknown = [k for k in keys if k not in MODELS]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; accepted: {', '.join(MODELS)}")
    results = [make(k, out_root) for k in keys]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
