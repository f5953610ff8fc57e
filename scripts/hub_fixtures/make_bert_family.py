#!/usr/bin/python3
"""Hub fixtures and PyTorch references for the BERT family (issue 18).

    /usr/bin/python3 scripts/hub_fixtures/make_bert_family.py [--skip-onnx-check]

Writes, for each model below, test/fixtures/hub/<owner>/<name>/ (the repository file for file,
random weights at scaled-down real shapes, the real tensor names) and
test/fixtures/hub/references/<owner>__<name>.json (SPLADE document vectors computed by the
PyTorch modules of bert_family.py in float64). Then exports each module to ONNX in a temporary
folder, runs it with onnxruntime-node and checks the pooled vectors equal the references.

  naver/splade-v3                        bare BertForMaskedLM repo, F32, sharded (index + 2 shards),
                                         a stored bert.embeddings.position_ids (I64) buffer
  opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill
                                         Router: query_0_SparseStaticEmbedding, document_0_MLMTransformer
                                         (DistilBertForMaskedLM, BF16), document_1_SpladePooling (log1p_relu)
  sparse-encoder-testing/splade-xlm-roberta-tiny
                                         XLMRobertaForMaskedLM at the root (F16, legacy LayerNorm
                                         gamma/beta names) + 1_SpladePooling (relu), Unigram tokenizer
"""

from __future__ import annotations

import copy
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import common as C  # noqa: E402
import unigram  # noqa: E402
from bert_family import BertForMaskedLM, DistilBertForMaskedLM, XLMRobertaForMaskedLM  # noqa: E402

torch.set_num_threads(1)

ENGLISH_TEXTS = [
    "Hello world!",
    "SPLADE expands documents with related terms.",
    "The café's naïve résumé costs $3.50 (isn't that odd?) 🙂",
    "git rebase --interactive HEAD~3 lets you squash, reword or drop the last three commits before pushing.",
    "Git is a fast, scalable, distributed revision control system with an unusually rich command set that "
    "provides both high-level operations and full access to internals. Each commit records a snapshot of the "
    "project's files; branches are cheap pointers to commits, so creating, merging and deleting them takes "
    "milliseconds. When two branches touch the same lines, git merge stops and marks the conflict, and you "
    "resolve it by editing the files, staging them with git add and committing the result.",
    "Sparse retrieval",
]
ENGLISH_BATCH = [0, 2, 4, 5]

MULTILINGUAL_TEXTS = [
    "Hello world!",
    "Learned sparse retrieval runs in the browser, with no server.",
    "레이어를 복제하려면 레이어 대화상자에서 복제 버튼을 누르세요.",
    "김프는 이미지 편집 프로그램입니다. 브러시, 선택 도구, 필터를 사용해 사진을 보정할 수 있습니다. "
    "작업이 끝나면 이미지를 내보내기 메뉴로 저장합니다.",
    "GIMP 2.10의 레이어(layer) 기능과 Git 브랜치를 함께 설명합니다: 색상 → 곡선, ü",
    "A commit records a snapshot of the files; a branch is a cheap pointer to a commit, so creating and "
    "merging branches is fast. When two branches change the same lines, merge stops and marks the conflict; "
    "you resolve it by editing the files, staging them and committing the result. Tags name releases, remotes "
    "name other copies of the repository, and fetch, pull and push move commits between them.",
]
MULTILINGUAL_BATCH = [0, 2, 3, 4, 5]


def bias_override(mean: float, std: float = 0.5):
    """Decoder bias N(mean, std): a negative mean keeps most logits below 0, so each vector has a
    few hundred entries, as a trained SPLADE model's have (not half the vocabulary)."""
    return lambda rng, shape: mean + std * rng.standard_normal(shape)


def report(model_id: str, ids, vectors, diff) -> dict:
    folder = C.repo_dir(model_id)
    size = C.folder_size(folder)
    nnz = [len(v["indices"]) for v in vectors]
    print(f"{model_id}: {size / 1e6:.2f} MB, tokens {[len(i) for i in ids]}, nnz {nnz}, "
          f"onnxruntime max |diff| {diff if diff is None else f'{diff:.2e}'}")
    return {"model": model_id, "bytes": size, "nnz": nnz, "onnx_max_abs_diff": diff}


# ---------------------------------------------------------------------------
# naver/splade-v3: bare BERT repo, F32 sharded
# ---------------------------------------------------------------------------

def make_splade_v3(tok: C.BertWordPiece, onnx: bool) -> dict:
    model_id = "naver/splade-v3"
    cfg = {
        "_name_or_path": "naver/splade-v3",
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
        "transformers_version": "4.40.2",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": 30522,
    }
    model = BertForMaskedLM(cfg).eval()
    C.init_params(model, seed=1803, overrides={"cls.predictions.bias": bias_override(-6.0)})
    folder = C.reset_repo_dir(model_id)
    C.write_json(os.path.join(folder, "config.json"), cfg)
    # transformers < 4.31 saved the position_ids buffer; the loader must skip it (int64, [1, 512]).
    tensors = C.hf_state_dict(model, drop=BertForMaskedLM.TIED,
                              extra={"bert.embeddings.position_ids": torch.arange(512)[None, :]})
    shards = C.write_sharded_safetensors(folder, tensors, "F32", n_shards=2)
    for s in shards:
        C.check_file_matches_module(C.read_safetensors(os.path.join(folder, s))[1], model)
    tok.write(folder)

    texts = ENGLISH_TEXTS
    ids = [tok.encode(t) for t in texts]
    C.check_tokenizer_with_node(folder, texts, ids)
    m64 = copy.deepcopy(model).double()
    vectors = C.reference_vectors(lambda i, m: m64(i, m, torch.zeros_like(i)), ids, tok.pad_id, "relu", ENGLISH_BATCH)
    notes = (
        "Random weights (seeded) at scaled-down BERT shapes (hidden 16, 3 layers, 2 heads, intermediate 40) with the "
        "real bert-base-uncased vocabulary (30522). Weights F32 in two shards (model.safetensors.index.json); "
        "cls.predictions.decoder.weight is left out (tied to bert.embeddings.word_embeddings.weight) and the file "
        "carries an int64 bert.embeddings.position_ids buffer [1, 512] to be ignored. Bare repo (no modules.json): "
        "SpladePooling max + relu (log1p(relu(x))). Texts tokenized WITH [CLS]/[SEP] (input_ids), token_type_ids "
        "all 0; logits by scripts/hub_fixtures/bert_family.py BertForMaskedLM in float64; special-token ids not "
        "zeroed. Made by scripts/hub_fixtures/make_bert_family.py."
    )
    C.write_reference(model_id, "BertForMaskedLM", texts, vectors, ENGLISH_BATCH, notes, {"input_ids": ids})
    diff = (C.onnx_check(model, ["input_ids", "attention_mask", "token_type_ids"], ids, tok.pad_id, "relu", vectors,
                         ENGLISH_BATCH) if onnx else None)
    return report(model_id, ids, vectors, diff)


# ---------------------------------------------------------------------------
# opensearch doc-v3-distill: Router, DistilBERT BF16
# ---------------------------------------------------------------------------

def make_doc_v3_distill(tok: C.BertWordPiece, onnx: bool) -> dict:
    model_id = "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill"
    cfg = {
        "_name_or_path": "opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill",
        "activation": "gelu",
        "architectures": ["DistilBertForMaskedLM"],
        "attention_dropout": 0.1,
        "dim": 24,
        "dropout": 0.1,
        "hidden_dim": 56,
        "initializer_range": 0.02,
        "max_position_embeddings": 512,
        "model_type": "distilbert",
        "n_heads": 3,
        "n_layers": 2,
        "pad_token_id": 0,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "sinusoidal_pos_embds": False,
        "tie_weights_": True,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.51.3",
        "vocab_size": 30522,
    }
    model = DistilBertForMaskedLM(cfg).eval()
    C.init_params(model, seed=1804, overrides={"vocab_projector.bias": bias_override(-8.5)})
    C.round_params_to(model, "BF16")
    root = C.reset_repo_dir(model_id)
    doc = os.path.join(root, "document_0_MLMTransformer")
    C.write_json(os.path.join(doc, "config.json"), cfg)
    path = os.path.join(doc, "model.safetensors")
    C.write_safetensors(path, C.hf_state_dict(model, drop=DistilBertForMaskedLM.TIED), "BF16")
    C.check_file_matches_module(C.read_safetensors(path)[1], model)
    C.write_sentence_bert_config(doc, 512)
    tok.write(doc)
    C.write_splade_pooling(os.path.join(root, "document_1_SpladePooling"), "log1p_relu", 30522)

    # Inference-free query side: one F32 weight per vocabulary entry (idf-like), also as idf.json.
    rng = np.random.default_rng(1805)
    weight = np.maximum(0.0, rng.normal(2.5, 1.5, 30522)).astype(np.float32)
    weight[:1000] = 0.0  # [PAD], [unused*], [UNK], [CLS], [SEP], [MASK]
    C.write_sparse_static_embedding(os.path.join(root, "query_0_SparseStaticEmbedding"), weight, tok.write)
    C.write_json(os.path.join(root, "idf.json"),
                 {t: float(repr(np.float32(w))) for t, w in zip(tok.vocab, weight)}, indent=None)
    C.write_modules_json(root, [("", "Router")])
    C.write_router_config(root, query=[("query_0_SparseStaticEmbedding", "SparseStaticEmbedding")],
                          document=[("document_0_MLMTransformer", "MLMTransformer"),
                                    ("document_1_SpladePooling", "SpladePooling")])
    C.write_config_sentence_transformers(root, prompts={"query": "", "document": ""})

    texts = ENGLISH_TEXTS
    ids = [tok.encode(t) for t in texts]
    C.check_tokenizer_with_node(doc, texts, ids)
    m64 = copy.deepcopy(model).double()
    vectors = C.reference_vectors(lambda i, m: m64(i, m), ids, tok.pad_id, "log1p_relu", ENGLISH_BATCH)
    notes = (
        "Router repo: query_0_SparseStaticEmbedding (F32 weight [30522], same values in idf.json), "
        "document_0_MLMTransformer = DistilBertForMaskedLM with random weights (seeded; dim 24, 2 layers, 3 heads, "
        "hidden_dim 56, real bert-base-uncased vocabulary 30522) stored BF16 (the reference uses exactly the BF16 "
        "values, widened), vocab_projector.weight left out (tied to distilbert.embeddings.word_embeddings.weight), "
        "document_1_SpladePooling max + log1p_relu (log1p(log1p(relu(x)))). Vectors are the DOCUMENT route: texts "
        "tokenized WITH [CLS]/[SEP] (input_ids), no token types; logits by "
        "scripts/hub_fixtures/bert_family.py DistilBertForMaskedLM in float64; special-token ids not zeroed. "
        "Made by scripts/hub_fixtures/make_bert_family.py."
    )
    C.write_reference(model_id, "DistilBertForMaskedLM", texts, vectors, ENGLISH_BATCH, notes, {"input_ids": ids})
    diff = (C.onnx_check(model, ["input_ids", "attention_mask"], ids, tok.pad_id, "log1p_relu", vectors,
                         ENGLISH_BATCH) if onnx else None)
    return report(model_id, ids, vectors, diff)


# ---------------------------------------------------------------------------
# XLM-R SPLADE: sentence-transformers layout at the root, F16, legacy gamma/beta
# ---------------------------------------------------------------------------

def make_xlmr(onnx: bool) -> dict:
    model_id = "sparse-encoder-testing/splade-xlm-roberta-tiny"
    root = C.reset_repo_dir(model_id)
    pieces = unigram.select_pieces(12000)
    vocab_size = unigram.write_xlmr_tokenizer(root, pieces)
    cfg = {
        "_name_or_path": "FacebookAI/xlm-roberta-base",
        "architectures": ["XLMRobertaForMaskedLM"],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": 0,
        "classifier_dropout": None,
        "eos_token_id": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": 514,
        "model_type": "xlm-roberta",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "output_past": True,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float16",
        "transformers_version": "4.53.2",
        "type_vocab_size": 1,
        "use_cache": True,
        "vocab_size": vocab_size,
    }
    model = XLMRobertaForMaskedLM(cfg).eval()
    C.init_params(model, seed=1806, overrides={"lm_head.bias": bias_override(-8.5)})
    C.round_params_to(model, "F16")
    C.write_json(os.path.join(root, "config.json"), cfg)
    path = os.path.join(root, "model.safetensors")
    # Old checkpoints name LayerNorm parameters gamma/beta; transformers renames them on load.
    C.write_safetensors(path, C.hf_state_dict(model, drop=XLMRobertaForMaskedLM.TIED,
                                              rename=C.legacy_layernorm_names), "F16")
    C.check_file_matches_module(
        C.read_safetensors(path)[1], model,
        name_map=lambda n: n.replace(".gamma", ".weight").replace(".beta", ".bias"))
    C.write_sentence_bert_config(root, 512)
    C.write_modules_json(root, [("", "MLMTransformer"), ("1_SpladePooling", "SpladePooling")])
    C.write_splade_pooling(os.path.join(root, "1_SpladePooling"), "relu", vocab_size)
    C.write_config_sentence_transformers(root, prompts={"query": "", "document": ""})

    texts = MULTILINGUAL_TEXTS
    ref = unigram.UnigramReference(pieces)
    ids = [ref.encode(t) for t in texts]
    C.check_tokenizer_with_node(root, texts, ids)
    m64 = copy.deepcopy(model).double()
    pad = cfg["pad_token_id"]
    vectors = C.reference_vectors(lambda i, m: m64(i, m), ids, pad, "relu", MULTILINGUAL_BATCH)
    notes = (
        "Illustrative repo id (not a real hub repo): a sentence-transformers SparseEncoder laid out as "
        "sparse-encoder/* SPLADE repos are (MLMTransformer at the root, 1_SpladePooling max + relu = "
        "log1p(relu(x))). XLMRobertaForMaskedLM with random weights (seeded; hidden 32, 2 layers, 4 heads, "
        f"intermediate 64, 514 positions, type_vocab_size 1, pad_token_id 1) stored F16 with legacy LayerNorm "
        f"names (*.LayerNorm.gamma/beta, lm_head.layer_norm.gamma/beta); lm_head.decoder.weight left out (tied to "
        f"roberta.embeddings.word_embeddings.weight). Tokenizer: a SentencePiece Unigram tokenizer.json made by "
        f"scripts/hub_fixtures/unigram.py ({vocab_size} ids: <s> <pad> </s> <unk>, a subset of "
        "public/models/splade-tiny-ko's pieces, <mask>), XLM-R special-token layout, not XLM-R's real vocabulary. "
        "Texts tokenized WITH <s>/</s> (input_ids), no token_type_ids input (type 0 embedding always added); "
        "positions from the padding-aware cumsum (first token at pad_token_id + 1 = 2); logits by "
        "scripts/hub_fixtures/bert_family.py XLMRobertaForMaskedLM in float64; special-token ids not zeroed. "
        "Made by scripts/hub_fixtures/make_bert_family.py."
    )
    C.write_reference(model_id, "XLMRobertaForMaskedLM", texts, vectors, MULTILINGUAL_BATCH, notes, {"input_ids": ids})
    diff = (C.onnx_check(model, ["input_ids", "attention_mask"], ids, pad, "relu", vectors, MULTILINGUAL_BATCH)
            if onnx else None)
    return report(model_id, ids, vectors, diff)


def main() -> None:
    onnx = "--skip-onnx-check" not in sys.argv[1:]
    tok = C.BertWordPiece()
    results = [make_splade_v3(tok, onnx), make_doc_v3_distill(tok, onnx), make_xlmr(onnx)]
    worst = max((r["onnx_max_abs_diff"] or 0.0) for r in results)
    if onnx and worst > 1e-5:
        raise SystemExit(f"onnxruntime differs from the references by {worst:.2e} (> 1e-5)")


if __name__ == "__main__":
    main()
