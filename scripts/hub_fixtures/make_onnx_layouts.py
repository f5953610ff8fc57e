#!/usr/bin/python3
"""Hub fixtures for repositories that ship ONNX instead of safetensors (issue 18 §2, §3).

    /usr/bin/python3 scripts/hub_fixtures/make_onnx_layouts.py

Writes, under test/fixtures/hub/:

  sparse-encoder-testing/splade-bert-tiny-transformersjs   (illustrative id)
      the transformers.js layout (as onnx-community/* conversions are laid out): config.json
      (BertForMaskedLM, with "transformers.js_config"), tokenizer files, and in onnx/:
        model.onnx + model.onnx_data   fp32, every initializer over 1 kB kept as external data
        model_fp16.onnx                fp16 weights and compute, float32 logits out (keep_io_types, as
                                       transformers.js' scripts/quantize.py converts), weights inside
      No modules.json: a bare repo, pooled max + relu (log1p(relu(x))).
      References: <id>.json (fp32, 1e-4) and <id>__fp16.json (dtype fp16, 2e-2 of the largest weight).

  Qdrant/opensearch-neural-sparse-encoding-doc-v3-gte
      the fastembed / Qdrant layout: model.onnx at the root beside config.json (NewForMaskedLM) and the
      tokenizer files, no sentence-transformers files. The graph is the opensearch doc-v3-gte fixture's
      model (same weights, read back from its model.safetensors), exported by torch: inputs input_ids and
      attention_mask only (type_vocab_size 0: no token_type_ids), and TWO outputs, "embeddings"
      [batch, tokens, 16] first and "output" [batch, tokens, 30522]: the loader must find the logits by
      shape, not by name or position. The rotary table is a stored initializer, as new-impl's cached
      cos/sin buffers are when traced (Sin/Cos nodes put SwiftShader's WebGPU 7.8e-4 off). Its pooling
      (log1p_relu) comes from the spladePooling option, as fastembed's model description supplies it;
      the reference is the opensearch fixture's.

  sparse-encoder-testing/splade-pooled-onnx   (illustrative id; the error case, no reference)
      model.onnx + tokenizer files only (no config.json): a graph that pools inside itself and returns
      "sparse_embedding" [batch, 30522]. Loading it must fail with a clear error.

The fp16 file is converted here by hand (python3-onnx 1.12 has no float16 converter): float
initializers and Constant tensors become float16 (clipped to +-65504, so the attention mask's
float32 minimum becomes -65504), Cast-to-float nodes cast to float16, and a Cast back to float32
ends the graph. onnxruntime runs float16 nodes without a CPU kernel through inserted casts.

Checks: every fp32 / fp16 ONNX file is run by onnxruntime-node and pooled in JS (check_pooled.mjs)
against the float64 PyTorch reference (fp32 within 1e-5; the fp16 figure is printed). Seeded: a
rerun writes the same bytes (the ONNX export is deterministic for a given torch version).
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import common as C  # noqa: E402
import gte  # noqa: E402
from bert_family import BertForMaskedLM  # noqa: E402
from make_bert_family import ENGLISH_BATCH, ENGLISH_TEXTS, bias_override  # noqa: E402

torch.set_num_threads(1)

TJS_ID = "sparse-encoder-testing/splade-bert-tiny-transformersjs"
QDRANT_ID = "Qdrant/opensearch-neural-sparse-encoding-doc-v3-gte"
POOLED_ID = "sparse-encoder-testing/splade-pooled-onnx"
FP16_MAX = 65504.0


# ---------------------------------------------------------------------------
# Export and conversion
# ---------------------------------------------------------------------------

class Outputs(nn.Module):
    """module(*inputs) -> the tuple `pick` makes of (module, inputs...), so the exported graph has
    exactly the outputs wanted, in that order."""

    def __init__(self, inner: nn.Module, input_names, pick):
        super().__init__()
        self.inner = inner
        self.input_names = list(input_names)
        self.pick = pick

    def forward(self, *args):
        return self.pick(self.inner, dict(zip(self.input_names, args)))


def export(module: nn.Module, input_names, output_names, pick, example_ids, pad_id: int) -> onnx.ModelProto:
    """torch.onnx.export (opset 17) of a float32 copy of `module`, batch and tokens dynamic on every
    input and on the first two axes of every output. Constant folding is off so the tied word
    embedding is stored once (a folded Transpose would store the decoder's copy too)."""
    m32 = copy.deepcopy(module).float().eval()
    ids, mask = C.pad_batch(example_ids, pad_id)
    args = [ids, mask] + [torch.zeros_like(ids)] * (len(input_names) - 2)
    axes = {n: {0: "batch", 1: "tokens"} for n in input_names}
    for name in output_names:
        axes[name] = {0: "batch"} if name == "sparse_embedding" else {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(Outputs(m32, input_names, pick), tuple(args), path, input_names=list(input_names),
                              output_names=list(output_names), dynamic_axes=axes, opset_version=17,
                              do_constant_folding=False)
        return onnx.load(path)


def _fp16_tensor(t: TensorProto) -> TensorProto:
    a = numpy_helper.to_array(t).astype(np.float32)
    h = np.clip(a, -FP16_MAX, FP16_MAX).astype(np.float16)
    out = numpy_helper.from_array(h, t.name)
    return out


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """float32 -> float16 inside the graph, int64 inputs and float32 outputs kept (see the top)."""
    m = copy.deepcopy(model)
    g = m.graph
    for k, init in enumerate(g.initializer):
        if init.data_type == TensorProto.FLOAT:
            g.initializer[k].CopyFrom(_fp16_tensor(init))
    for node in g.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(_fp16_tensor(attr.t))
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
    for out in g.output:
        if out.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        inner = out.name + "_fp16"
        for node in g.node:
            node.output[:] = [inner if o == out.name else o for o in node.output]
            node.input[:] = [inner if i == out.name else i for i in node.input]
        g.node.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT, name=out.name + "_cast"))
    del g.value_info[:]
    onnx.checker.check_model(m)
    return m


def save_with_external_data(model: onnx.ModelProto, path: str) -> None:
    """Saves `model` with every initializer over 1 kB in <file name>_data beside it (onnx's own
    external data layout, `location` relative to the model file), as transformers.js repos store
    fp32 models."""
    m = copy.deepcopy(model)
    name = os.path.basename(path) + "_data"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=name,
                    size_threshold=1024)


def check_file(path: str, input_names, ids, pad_id: int, activation: str, vectors, batch, output: str) -> float:
    """check_pooled.mjs on the ONNX file at `path` (external data beside it): the largest |pooled - reference|."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = [{"rows": [k]} for k in range(len(ids))] + [{"rows": list(batch)}]
        for r in runs:
            i, m = C.pad_batch([ids[k] for k in r["rows"]], pad_id)
            r["dims"] = list(i.shape)
            r["input_ids"] = i.flatten().tolist()
            r["attention_mask"] = m.flatten().tolist()
        spec = {"inputs": list(input_names), "activation": activation, "strategy": "max", "runs": runs,
                "vectors": list(vectors), "output": output}
        spec_path = os.path.join(tmp, "spec.json")
        out_path = os.path.join(tmp, "out.json")
        C.write_json(spec_path, spec, indent=None)
        import json
        import subprocess
        subprocess.run(["node", os.path.join(C.HERE, "check_pooled.mjs"), path, spec_path, out_path], check=True,
                       cwd=C.REPO)
        with open(out_path) as f:
            return float(json.load(f)["maxAbsDiff"])


def max_weight(vectors) -> float:
    return max(max(v["values"]) for v in vectors)


# ---------------------------------------------------------------------------
# transformers.js layout: BERT, onnx/model.onnx (+ .onnx_data) and onnx/model_fp16.onnx
# ---------------------------------------------------------------------------

def bert_config(name: str) -> dict:
    return {
        "_name_or_path": name,
        "architectures": ["BertForMaskedLM"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 16,
        "initializer_range": 0.02,
        "intermediate_size": 40,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": 2,
        "num_hidden_layers": 3,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": "4.49.0",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": 30522,
    }


def bert_module(seed: int, **sizes) -> BertForMaskedLM:
    model = BertForMaskedLM(dict(bert_config("naver/splade-v3"), **sizes)).eval()
    C.init_params(model, seed=seed, overrides={"cls.predictions.bias": bias_override(-6.0)})
    return model


def logits_only(module, inputs):
    return module(**inputs)


def make_transformersjs(tok: C.BertWordPiece) -> dict:
    model = bert_module(1811)
    folder = C.reset_repo_dir(TJS_ID)
    cfg = bert_config("naver/splade-v3")
    cfg["transformers.js_config"] = {"use_external_data_format": {"model.onnx": 1}}
    C.write_json(os.path.join(folder, "config.json"), cfg)
    tok.write(folder)

    texts = ENGLISH_TEXTS
    ids = [tok.encode(t) for t in texts]
    C.check_tokenizer_with_node(folder, texts, ids)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    graph = export(model, names, ["logits"], logits_only, [ids[k] for k in ENGLISH_BATCH], tok.pad_id)
    fp32_path = os.path.join(folder, "onnx", "model.onnx")
    save_with_external_data(graph, fp32_path)
    fp16_path = os.path.join(folder, "onnx", "model_fp16.onnx")
    onnx.save_model(to_fp16(graph), fp16_path)

    m64 = copy.deepcopy(model).double()
    vectors = C.reference_vectors(lambda i, m: m64(i, m, torch.zeros_like(i)), ids, tok.pad_id, "relu", ENGLISH_BATCH)
    diff32 = check_file(fp32_path, names, ids, tok.pad_id, "relu", vectors, ENGLISH_BATCH, "logits")
    diff16 = check_file(fp16_path, names, ids, tok.pad_id, "relu", vectors, ENGLISH_BATCH, "logits")
    if diff32 > 1e-5:
        raise SystemExit(f"{fp32_path}: onnxruntime differs from the reference by {diff32:.2e} (> 1e-5)")
    relative16 = diff16 / max_weight(vectors)
    if relative16 > 2e-2:
        raise SystemExit(f"{fp16_path}: fp16 differs from the reference by {relative16:.2e} of the largest weight")

    common_notes = (
        "Illustrative repo id (not a real hub repo): the transformers.js layout (onnx/model.onnx with its weights "
        "in onnx/model.onnx_data, onnx/model_fp16.onnx; config.json with transformers.js_config) of a bare "
        "BertForMaskedLM repo, pooled max + relu (log1p(relu(x))). Random weights (seeded, 1811) at scaled-down BERT "
        "shapes (hidden 16, 3 layers, 2 heads, intermediate 40) with the real bert-base-uncased vocabulary (30522), "
        "exported by torch.onnx.export (opset 17, inputs input_ids / attention_mask / token_type_ids, output logits). "
        "Vectors: scripts/hub_fixtures/bert_family.py BertForMaskedLM in float64 (fp32 weights), texts WITH "
        "[CLS]/[SEP], special-token ids not zeroed. Made by scripts/hub_fixtures/make_onnx_layouts.py."
    )
    extra = {"input_ids": ids, "onnxFile": "onnx/model.onnx", "externalData": ["onnx/model.onnx_data"]}
    C.write_reference(TJS_ID, "BertForMaskedLM", texts, vectors, ENGLISH_BATCH, common_notes, extra)
    fp16_notes = (
        f"{common_notes} This reference loads dtype 'fp16' (onnx/model_fp16.onnx: fp16 weights and compute, float32 "
        f"logits) against the fp32 PyTorch vectors: onnxruntime-node differs by {diff16:.2e}, "
        f"{relative16:.2e} of the largest weight; tolerance 2e-2 of the largest weight."
    )
    fp16_extra = {"input_ids": ids, "onnxFile": "onnx/model_fp16.onnx", "externalData": [], "dtype": "fp16",
                  "tolerance": {"relative": 2e-2}}
    # A second reference of the same repo: references/<owner>__<name>__fp16.json.
    fp16_ref = {"model": TJS_ID, "architecture": "BertForMaskedLM", "texts": list(texts), "vectors": list(vectors),
                "batch": list(ENGLISH_BATCH), "notes": fp16_notes, **fp16_extra}
    C.write_json(os.path.join(C.REFERENCES, TJS_ID.replace("/", "__") + "__fp16.json"), fp16_ref, indent=None)
    print(f"{TJS_ID}: {C.folder_size(folder) / 1e6:.2f} MB; onnxruntime fp32 {diff32:.2e}, fp16 {diff16:.2e} "
          f"({relative16:.2e} of the largest weight)")
    return {"fp32": diff32, "fp16": diff16}


# ---------------------------------------------------------------------------
# fastembed / Qdrant layout: the doc-v3-gte fixture's model as model.onnx at the root
# ---------------------------------------------------------------------------

def gte_from_fixture() -> gte.NewForMaskedLM:
    """gte.py's NewForMaskedLM with the weights of the opensearch doc-v3-gte fixture (read back from its
    model.safetensors; the tied decoder weight is the word embedding)."""
    src = C.repo_dir(gte.MODEL_ID)
    module = gte.NewForMaskedLM(gte.FIXTURE_CONFIG).eval()
    _, stored = C.read_safetensors(os.path.join(src, "model.safetensors"))
    state = {k: torch.from_numpy(np.array(v)) for k, v in stored.items()}
    state["lm_head.decoder.weight"] = state["new.embeddings.word_embeddings.weight"]
    module.load_state_dict(state, strict=True)
    return module


class CachedRopeGte(nn.Module):
    """gte.py's NewForMaskedLM (type_vocab_size 0, rope, no logn scaling) with its rotary table read from
    cos_cached / sin_cached buffers sliced to the input length, as new-impl's RotaryEmbedding keeps them:
    traced, the table is an initializer and the graph has no Sin/Cos nodes (as in a real export). The
    table holds the same float32 values gte.py computes per call; it is cut to 512 rows, the longest
    input the loader feeds this repo (no sentence_bert_config.json: max_seq_length 512)."""

    ROWS = 512

    def __init__(self, inner: gte.NewForMaskedLM):
        super().__init__()
        cfg = inner.cfg
        assert cfg.type_vocab_size == 0 and cfg.position_embedding_type == "rope" and not cfg.logn_attention_scale
        self.inner = inner
        freqs = torch.arange(self.ROWS, dtype=torch.float32)[:, None] * inner.inv_freq[None, :]
        angles = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", angles.cos())
        self.register_buffer("sin_cached", angles.sin())

    def forward(self, input_ids, attention_mask):
        m = self.inner
        x = m.new.embeddings.LayerNorm(m.new.embeddings.word_embeddings(input_ids))
        t = input_ids.shape[1]
        cos, sin = self.cos_cached[:t], self.sin_cached[:t]
        mask = attention_mask.to(x.dtype)
        bias = ((1.0 - mask) * torch.finfo(x.dtype).min)[:, None, None, :]
        for layer in m.new.encoder.layer:
            x = layer(x, bias, cos, sin, None)
        head = m.lm_head
        return head.decoder(head.norm(m.act(head.dense(x))))


def logits_with_embeddings(module, inputs):
    embeddings = module.inner.new.embeddings.word_embeddings(inputs["input_ids"])
    return embeddings, module(**inputs)


def make_qdrant_gte(tok: C.BertWordPiece) -> dict:
    import json

    src = C.repo_dir(gte.MODEL_ID)
    with open(os.path.join(C.REFERENCES, gte.MODEL_ID.replace("/", "__") + ".json"), encoding="utf-8") as f:
        ref = json.load(f)
    module = gte_from_fixture()
    folder = C.reset_repo_dir(QDRANT_ID)
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]:
        shutil.copyfile(os.path.join(src, name), os.path.join(folder, name))
    ids = ref["ids"]
    names = ["input_ids", "attention_mask"]
    graph = export(CachedRopeGte(module), names, ["embeddings", "output"], logits_with_embeddings,
                   [ids[k] for k in ref["batch"]], tok.pad_id)
    path = os.path.join(folder, "model.onnx")
    onnx.save_model(graph, path)
    diff = check_file(path, names, ids, tok.pad_id, "log1p_relu", ref["vectors"], ref["batch"], "output")
    if diff > 1e-5:
        raise SystemExit(f"{path}: onnxruntime differs from the reference by {diff:.2e} (> 1e-5)")
    notes = (
        "The fastembed / Qdrant layout: model.onnx at the root with config.json (NewForMaskedLM) and the tokenizer "
        "files, no sentence-transformers files. The graph is the opensearch-project/opensearch-neural-sparse-"
        "encoding-doc-v3-gte fixture's model (the same weights, read back from its model.safetensors) exported by "
        "torch.onnx.export from scripts/hub_fixtures/gte.py: inputs input_ids and attention_mask (no "
        "token_type_ids), outputs \"embeddings\" [batch, tokens, 16] then \"output\" [batch, tokens, 30522] (the "
        "logits: found by shape); the rotary table is stored (cos/sin cached for 512 positions, sliced to the input "
        "length, as new-impl's RotaryEmbedding caches it), not computed by Sin/Cos nodes. Pooling max + log1p_relu "
        "given by the spladePooling option (load). Vectors and "
        "texts are that fixture's reference. Made by scripts/hub_fixtures/make_onnx_layouts.py."
    )
    extra = {"ids": ids, "onnxFile": "model.onnx", "externalData": [],
             "load": {"spladePooling": {"strategy": "max", "activation": "log1p_relu"}}}
    C.write_reference(QDRANT_ID, ref["architecture"], ref["texts"], ref["vectors"], ref["batch"], notes, extra)
    print(f"{QDRANT_ID}: {C.folder_size(folder) / 1e6:.2f} MB; onnxruntime {diff:.2e}")
    return {"qdrant": diff}


# ---------------------------------------------------------------------------
# A graph that pools inside itself: [batch, vocab] out (the error case)
# ---------------------------------------------------------------------------

def pooled(module, inputs):
    logits = module(**inputs)
    mask = inputs["attention_mask"].unsqueeze(-1).to(logits.dtype)
    return (torch.log1p(torch.relu(logits)) * mask).amax(dim=1)


def make_pooled(tok: C.BertWordPiece) -> None:
    # Smaller still (hidden 4, one layer): the file only has to be read, never run.
    model = bert_module(1812, hidden_size=4, num_hidden_layers=1, intermediate_size=8)
    folder = C.reset_repo_dir(POOLED_ID)
    tok.write(folder)
    ids = [tok.encode(t) for t in ENGLISH_TEXTS[:2]]
    graph = export(model, ["input_ids", "attention_mask", "token_type_ids"], ["sparse_embedding"], pooled, ids,
                   tok.pad_id)
    onnx.save_model(graph, os.path.join(folder, "model.onnx"))
    print(f"{POOLED_ID}: {C.folder_size(folder) / 1e6:.2f} MB (output [batch, 30522]: the error case)")


def main() -> None:
    tok = C.BertWordPiece()
    make_transformersjs(tok)
    make_qdrant_gte(tok)
    make_pooled(tok)


if __name__ == "__main__":
    main()
