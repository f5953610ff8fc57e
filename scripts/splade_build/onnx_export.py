"""ONNX export (opset 17, dynamic batch/sequence axes) and checks."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Dict, List

import numpy as np
import onnx
import torch

OPSET = 17


def export(model: torch.nn.Module, path: str, with_token_type: bool) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ids = torch.tensor([[2, 10, 11, 12, 13, 3], [2, 14, 15, 3, 0, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    names = ["input_ids", "attention_mask"]
    args = [ids, mask]
    if with_token_type:
        names.append("token_type_ids")
        args.append(torch.zeros_like(ids))
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["logits"] = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model, tuple(args), path, input_names=names, output_names=["logits"],
            dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True,
        )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name = "splade-web scripts/make_models.py"
    m.doc_string = "Tiny constructed SPLADE masked-LM (see scripts/README.md)"
    onnx.save(m, path)


def initializer_report(path: str) -> Dict:
    m = onnx.load(path)
    sizes = sorted(((int(np.prod(t.dims)) if len(t.dims) else 1, t.name, list(t.dims)) for t in m.graph.initializer),
                   reverse=True)
    big = [s for s in sizes if s[0] >= 100000]
    return {
        "file_bytes": os.path.getsize(path),
        "n_initializers": len(sizes),
        "large_initializers": [{"name": n, "dims": d} for _, n, d in big],
        "ops": sorted({n.op_type for n in m.graph.node}),
    }


def run_node_check(script: str, model_path: str, feeds_path: str, out_path: str) -> Dict:
    subprocess.run(["node", script, model_path, feeds_path, out_path], check=True)
    with open(out_path) as f:
        return json.load(f)


def batch_feeds(windows: List[List[int]], pad_id: int, with_token_type: bool):
    s = max(len(w) for w in windows)
    ids = np.full((len(windows), s), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), s), dtype=np.int64)
    for i, w in enumerate(windows):
        ids[i, :len(w)] = w
        mask[i, :len(w)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask}
    if with_token_type:
        feeds["token_type_ids"] = np.zeros_like(ids)
    return feeds
