#!/usr/bin/python3
"""Build the two tiny SparseEncoder test models of splade-web.

Run from anywhere with Debian's Python (see scripts/README.md):

    /usr/bin/python3 scripts/make_models.py                # everything
    /usr/bin/python3 scripts/make_models.py --golden-only  # only e2e/fixtures/golden (checks the
                                                           # rebuilt ONNX equals the shipped one)

Writes
  public/models/splade-tiny-en-if/   inference-free English model (BERT MLM + static query weights)
  public/models/splade-tiny-ko/      symmetric Korean model (ModernBERT MLM), SentencePiece Unigram
  e2e/fixtures/golden/splade-tiny-en-if.json, splade-tiny-ko.json   golden outputs (PyTorch fp32)
  public/demo-docs/en.json, ko.json  demo documents
  scripts/tokenizer-ko/ko.model      the SentencePiece model (reference tokenizer of model B)
  scripts/build_report.json          sizes, nnz statistics, search sanity, verification results

Everything is seeded; running it twice gives the same files.
"""

import sys

sys.dont_write_bytecode = True

import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from splade_build import bert_tokenizer as bt  # noqa: E402
from splade_build import cases as C  # noqa: E402
from splade_build import corpus, demo, golden, leech, stats  # noqa: E402
from splade_build import models as M  # noqa: E402
from splade_build import onnx_export as OX  # noqa: E402
from splade_build import safetensors_io, spm_ko  # noqa: E402
from splade_build import tokenizer_files as TF  # noqa: E402
from splade_build import weights as W  # noqa: E402

OUT_A = os.path.join(ROOT, "public", "models", "splade-tiny-en-if")
OUT_B = os.path.join(ROOT, "public", "models", "splade-tiny-ko")
GOLDEN_DIR = os.path.join(ROOT, "e2e", "fixtures", "golden")
DEMO_DIR = os.path.join(ROOT, "public", "demo-docs")
SPM_DIR = os.path.join(HERE, "tokenizer-ko")
REPORT = os.path.join(HERE, "build_report.json")
MAX_SEQ = 128
ST_VERSION = "5.1.0"
SIZE_LIMIT = 10 * 1024 * 1024

SEEDS = {
    "en_codes": 1001, "en_geometry": 1002, "en_weights": 1003,
    "ko_codes": 2001, "ko_geometry": 2002, "ko_weights": 2003, "torch": 3001,
}

write_json = TF.write_json
REPORT_DATA = {}
# --golden-only: rebuild the models in memory and rewrite only the golden JSON. The ONNX export is
# compared byte for byte with the shipped one first, so the golden provably comes from the shipped
# weights; model folders, demo documents, the report and the slow tokenizer checks are left alone.
GOLDEN_ONLY = "--golden-only" in sys.argv
TIES_NOTE = (
    " 'positionTolerance' is in raw-logit units; 'positionTies' (when present) lists, for each entry whose best two "
    "logits differ by less than it, the entry 'id', that 'gap', and 'positions': every [window, position] whose logit "
    "is within positionTolerance of the best, the golden position first. A runtime's position may differ from "
    "'positions' only for those entries, and only to one of the listed positions."
)


def log(*a):
    print(*a, flush=True)


def same_as_shipped(built, shipped):
    """--golden-only: the rebuilt file must equal the shipped one, byte for byte."""
    with open(built, "rb") as f1, open(shipped, "rb") as f2:
        if f1.read() != f2.read():
            raise SystemExit(f"--golden-only: the rebuilt {os.path.relpath(shipped, ROOT)} differs from the shipped "
                             "one, so a golden computed now would not describe the shipped model")
    log(f"  {os.path.relpath(shipped, ROOT)}: rebuilt file is identical to the shipped one")


def st_config():
    return {
        "model_type": "SparseEncoder",
        "__version__": {"sentence_transformers": ST_VERSION},
        "prompts": {"query": "", "document": ""},
        "default_prompt_name": None,
        "similarity_fn_name": "dot",
    }


def pooling_config(act, vocab):
    return {"pooling_strategy": "max", "activation_function": act, "word_embedding_dimension": vocab,
            "chunk_size": None}


def staging_dir(final):
    """Models are built next to their final folder and swapped in at the end, so that a
    dev server, a test run or a commit never sees a half-written model folder."""
    path = os.path.join(os.path.dirname(final), "." + os.path.basename(final) + ".building")
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def publish(staging, final):
    old = final + ".old"
    if os.path.isdir(old):
        shutil.rmtree(old)
    if os.path.isdir(final):
        os.rename(final, old)
    os.rename(staging, final)
    if os.path.isdir(old):
        shutil.rmtree(old)


def folder_size(path):
    total = 0
    files = {}
    for dp, _, fns in os.walk(path):
        for fn in fns:
            p = os.path.join(dp, fn)
            s = os.path.getsize(p)
            files[os.path.relpath(p, ROOT)] = s
            total += s
    return total, files


def nnz_stats(counts):
    return {"min": int(min(counts)), "median": float(statistics.median(counts)), "max": int(max(counts)),
            "mean": round(float(np.mean(counts)), 1)}


def expansion_stats(vecs, token_lists, assoc):
    amap = {}
    for s, d in assoc:
        amap.setdefault(s, set()).add(d)
    n_exp, n_rand = [], []
    for v, ids in zip(vecs, token_lists):
        own = set(ids)
        intended = set()
        for i in own:
            intended |= amap.get(i, set())
        exp = [i for i in v.indices if i not in own]
        n_exp.append(len(exp))
        n_rand.append(sum(1 for i in exp if i not in intended))
    return {"expansions_per_doc": nnz_stats(n_exp), "unintended_expansions_total": int(sum(n_rand))}


# ---------------------------------------------------------------------------
# ONNX verification through onnxruntime-node
# ---------------------------------------------------------------------------

def verify_onnx(model, onnx_path, windows, pad_id, with_tt, extra_long):
    tmp = tempfile.mkdtemp(prefix="splade-onnx-")
    try:
        groups = [windows[i:i + 4] for i in range(0, len(windows), 4)] + [[extra_long, extra_long[:40]]]
        spec = {"batches": []}
        pad_vs_single = 0.0
        for gi, grp in enumerate(groups):
            feeds = OX.batch_feeds(grp, pad_id, with_tt)
            args = [torch.from_numpy(feeds[k]) for k in (["input_ids", "attention_mask"] +
                                                         (["token_type_ids"] if with_tt else []))]
            with torch.no_grad():
                lg = model(*args).numpy()
            for bi, w in enumerate(grp):  # padded batch vs single unpadded window
                x = torch.tensor([w])
                a = [x, torch.ones_like(x)] + ([torch.zeros_like(x)] if with_tt else [])
                with torch.no_grad():
                    single = model(*a).numpy()[0]
                pad_vs_single = max(pad_vs_single, float(np.abs(single - lg[bi, :len(w)]).max()))
            exp_path = os.path.join(tmp, f"b{gi}.f32")
            lg.astype("<f4").tofile(exp_path)
            spec["batches"].append({
                "feeds": {k: {"dims": list(v.shape), "data": v.ravel().tolist()} for k, v in feeds.items()},
                "expected": exp_path, "mask": feeds["attention_mask"].tolist(),
            })
        feeds_path = os.path.join(tmp, "feeds.json")
        with open(feeds_path, "w") as f:
            json.dump(spec, f)
        res = OX.run_node_check(os.path.join(HERE, "check_onnx.mjs"), onnx_path, feeds_path,
                                os.path.join(tmp, "out.json"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "batches": len(res["batches"]),
        "max_abs_diff_real_tokens": max(b["maxAbsDiffRealTokens"] for b in res["batches"]),
        "max_abs_diff_all_positions": max(b["maxAbsDiff"] for b in res["batches"]),
        "non_finite": sum(b["nonFinite"] for b in res["batches"]),
        "torch_padded_batch_vs_single_window": pad_vs_single,
        "onnx_inputs": res["inputs"], "onnx_outputs": res["outputs"],
        "longest_sequence_checked": len(extra_long),
    }


def verify_tokenizer(folder, items, tag, categorize=None):
    """items: list of (text, ids with specials). Runs @huggingface/tokenizers in node."""
    tmp = tempfile.mkdtemp(prefix="splade-tok-")
    try:
        p = os.path.join(tmp, "cases.json")
        with open(p, "w", encoding="utf-8") as f:
            json.dump([{"text": t, "ids": i} for t, i in items], f, ensure_ascii=False)
        out = os.path.join(tmp, "out.json")
        subprocess.run(["node", "--max-old-space-size=8000", os.path.join(HERE, "check_tokenizer.mjs"), folder, p,
                        out], check=True)
        with open(out, encoding="utf-8") as f:
            res = json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mism = res["mismatches"]
    log(f"  tokenizer check [{tag}]: {res['compared']} compared, {len(mism)} mismatches")
    out = {"compared": res["compared"], "mismatches": len(mism),
           "examples": [{"text": m["text"], "expected": m["expectedTokens"], "js": m["gotTokens"]} for m in mism[:12]]}
    if categorize is not None:
        cats = {}
        for m in mism:
            k = categorize(m["text"])
            cats[k] = cats.get(k, 0) + 1
        out["mismatch_categories"] = cats
    return out


def cp_category(text):
    """For 'a' + c + 'b' probes: why might c tokenize differently in JavaScript?"""
    import unicodedata
    c = text[1:-1]
    cp = ord(c)
    if 0x20000 <= cp <= 0x2FA1F:
        return "CJK ideograph outside the BMP (JS BertNormalizer does not split it)"
    return f"U+{cp:04X} category {unicodedata.category(c)} (Python unicodedata {unicodedata.unidata_version})"


def case_record(name, route, text, vec):
    rec = {"name": name, "route": route, "text": text, "windows": vec.windows, "indices": vec.indices,
           "values": vec.values}
    if route == "document":
        rec["positions"] = vec.positions
        if vec.ambiguous:
            rec["ambiguousPositions"] = vec.ambiguous
        if vec.ties:
            rec["positionTies"] = vec.ties
    return rec


def search_sanity(doc_vecs, docs, queries, encode_query, names):
    out = []
    for q in queries:
        qv = encode_query(q)
        qd = qv.as_dict()
        scores = [(golden.dot(qd, dv.as_dict()), i) for i, dv in enumerate(doc_vecs)]
        scores.sort(key=lambda s: (-s[0], s[1]))
        top = []
        for sc, i in scores[:3]:
            contrib = sorted(((qd[k] * doc_vecs[i].as_dict()[k], names[k]) for k in qd if k in doc_vecs[i].as_dict()),
                             reverse=True)[:4]
            top.append({"id": docs[i]["id"], "title": docs[i]["title"], "score": round(sc, 4),
                        "top_terms": [[t, round(c, 3)] for c, t in contrib]})
        out.append({"query": q, "query_terms": [[names[k], round(v, 3)] for k, v in sorted(qd.items(), key=lambda kv: -kv[1])],
                    "top3": top})
        log(f"    {q!r}: " + " | ".join(f"{t['id']} ({t['score']:.2f})" for t in top))
    return out


# ---------------------------------------------------------------------------
# Model A: English, inference-free
# ---------------------------------------------------------------------------

def build_en(leech_vecs):
    log("== model A: splade-tiny-en-if")
    vocab = bt.load_bert_vocab()
    tok = bt.BertReferenceTokenizer(vocab)
    V = len(vocab)
    special_ids = [bt.SPECIALS[n] for n in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    cls_id, sep_id = bt.SPECIALS["[CLS]"], bt.SPECIALS["[SEP]"]
    out_a = staging_dir(OUT_A)
    q_dir = os.path.join(out_a, "query_0_SparseStaticEmbedding")
    d_dir = os.path.join(out_a, "document_0_MLMTransformer")
    p_dir = os.path.join(out_a, "document_1_SpladePooling")

    # statistics from the git manual
    git = corpus.git_docs()
    chunks = [c for d in git for c in corpus.chunks(d.blocks, 600)]
    n_docs, df, _ = stats.document_frequencies(chunks, tok.encode, V)
    idf, idf_default = stats.idf_values(n_docs, df, special_ids)
    idf_hi = float(math.log((n_docs + 1.0) / 3.0))
    r = W.idf_factor(idf, idf_hi)
    r[special_ids] = W.R_MIN
    assoc_all = stats.english_associations(vocab, df, n_docs)

    cfg = M.BertConfig(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                       intermediate_size=256, max_position_embeddings=512)
    edges = assoc_all[: W.associations_capacity(cfg.num_hidden_layers, cfg.intermediate_size)]
    codes, kept = W.assign_codes(V, edges, SEEDS["en_codes"], leech_vecs)
    max_cos = leech.check_max_cosine(codes)
    geo = W.Geometry(SEEDS["en_geometry"])
    torch.manual_seed(SEEDS["torch"])
    model = M.BertMLM(cfg).eval()
    W.build_bert_weights(model, codes, r, kept, SEEDS["en_weights"], geo)
    calib = [golden.make_windows(tok.encode(c), cls_id, sep_id, MAX_SEQ)[0] for c in chunks[::50] if tok.encode(c)]
    s_mean, s_std = W.calibrate_context(model, geo, calib)
    W.set_bert_head(model, geo, s_mean, s_std)

    # --- files -------------------------------------------------------------
    write_json(os.path.join(out_a, "modules.json"),
               [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.sparse_encoder.models.Router"}])
    write_json(os.path.join(out_a, "router_config.json"), {
        "types": {
            "query_0_SparseStaticEmbedding": "sentence_transformers.sparse_encoder.models.SparseStaticEmbedding",
            "document_0_MLMTransformer": "sentence_transformers.sparse_encoder.models.MLMTransformer",
            "document_1_SpladePooling": "sentence_transformers.sparse_encoder.models.SpladePooling",
        },
        "structure": {"query": ["query_0_SparseStaticEmbedding"],
                      "document": ["document_0_MLMTransformer", "document_1_SpladePooling"]},
        "parameters": {"default_route": "document", "allow_empty_key": True},
    })
    write_json(os.path.join(out_a, "config_sentence_transformers.json"), st_config())
    # query side
    TF.write_bert_tokenizer(q_dir, vocab)
    write_json(os.path.join(q_dir, "config.json"), {"frozen": False})
    qweight = idf.astype(np.float32)
    safetensors_io.write(os.path.join(q_dir, "model.safetensors"), {"weight": qweight}, {"format": "pt"})
    back = safetensors_io.read(os.path.join(q_dir, "model.safetensors"))["weight"]
    assert back.shape == (V,) and np.array_equal(back, qweight)
    write_json(os.path.join(q_dir, "idf.json"), {vocab[i]: float(qweight[i]) for i in range(V)}, indent=None)
    # document side
    TF.write_bert_tokenizer(d_dir, vocab)
    write_json(os.path.join(d_dir, "config.json"), cfg.hf_config())
    write_json(os.path.join(d_dir, "sentence_bert_config.json"), {"max_seq_length": MAX_SEQ, "do_lower_case": False})
    onnx_path = os.path.join(d_dir, "onnx", "model.onnx")
    OX.export(model, onnx_path, with_token_type=True)
    if GOLDEN_ONLY:
        same_as_shipped(onnx_path, os.path.join(OUT_A, "document_0_MLMTransformer", "onnx", "model.onnx"))
        same_as_shipped(os.path.join(q_dir, "model.safetensors"),
                        os.path.join(OUT_A, "query_0_SparseStaticEmbedding", "model.safetensors"))
    write_json(os.path.join(p_dir, "config.json"), pooling_config("log1p_relu", V))

    # --- golden ------------------------------------------------------------
    def logits_fn(ids):
        x = torch.tensor([ids])
        with torch.no_grad():
            return model(x, torch.ones_like(x), torch.zeros_like(x))[0]

    def encode_doc(text):
        return golden.encode_windows(logits_fn, golden.make_windows(tok.encode(text), cls_id, sep_id, MAX_SEQ),
                                     "log1p_relu", special_ids)

    def encode_query(text):
        return golden.static_query(tok.encode(text), qweight)

    rebase = corpus.extract_html(os.path.join(corpus.GIT_HTML_DIR, "git-rebase.html"))
    long_doc = C.long_text([b for b in rebase.blocks if len(b) > 80], lambda s: len(tok.encode(s)), 390, 420)
    case_list = [(n, "document", t) for n, t in C.EN_SENTENCES]
    case_list += [(n, "query", t) for n, t in C.EN_QUERIES + C.EN_QUERY_EDGE]
    case_list += [("query-undo-commit-as-document", "document", C.EN_QUERIES[0][1])]
    case_list += [("long-document", "document", long_doc)]
    case_list += [(n, "document", t) for n, t in C.EDGE_CASES + C.KO_IN_EN]
    records, ambiguous, act_diff, all_windows = [], 0, 0, []
    for name, route, text in case_list:
        vec = encode_doc(text) if route == "document" else encode_query(text)
        records.append(case_record(name, route, text, vec))
        ambiguous += len(vec.ambiguous)
        act_diff += vec.argmax_act_differs
        if route == "document":
            all_windows += vec.windows
    n_long = len(next(r_ for r_ in records if r_["name"] == "long-document")["windows"])
    assert n_long == 4, n_long
    notes = (
        "Model A (inference-free, like opensearch-neural-sparse-encoding-doc-v3). Document route: tokenize WITHOUT "
        "special tokens, split the content ids into consecutive windows of max_seq_length-2 = 126 ids (no overlap), "
        "each window = [CLS] window [SEP] (token_type_ids all 0, attention_mask all 1), run the MLM, activation "
        "log1p_relu = log1p(log1p(relu(logit))), max over all real tokens of all windows, then zero the special ids "
        f"{special_ids}. Empty/whitespace-only text: windows [] and an empty vector. 'positions' give, for each "
        "non-zero entry, [window, position-in-window ([CLS] = 0)] of the first token with the maximal raw logit; "
        "'ambiguousPositions' (when present) lists entries whose best two logits differ by < 1e-4, where fp32 runtimes "
        "may pick another position. Query route (inference-free): tokenize WITHOUT special tokens, no truncation, the "
        "vector is the distinct ids each with weight[id] from query_0_SparseStaticEmbedding/model.safetensors, zero "
        "weights ([UNK], specials) dropped; windows = [ids]. Values are float32 (PyTorch 1.13, CPU). Tokenizer notes: "
        "input containing a special-token string such as '[MASK]' is split as that special token (Hugging Face added "
        "tokens semantics, see case special-token-literal). Known differences of @huggingface/tokenizers 0.2.0 from the "
        "reference (none occurs in these cases): CJK ideographs outside the BMP (U+20000..) are not split into single "
        "characters; unassigned code points (category Cn) are not removed by its BertNormalizer; characters whose "
        "Unicode category changed after Python's Unicode 14 tables (e.g. U+1171E) are stripped or kept differently."
    )
    gold = {"model": "splade-tiny-en-if", "vocabSize": V, "maxSeqLength": MAX_SEQ, "specialIds": special_ids,
            "notes": notes + TIES_NOTE, "positionTolerance": golden.POSITION_TOLERANCE, "cases": records}
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    write_json(os.path.join(GOLDEN_DIR, "splade-tiny-en-if.json"), gold, indent=1)
    if GOLDEN_ONLY:
        shutil.rmtree(out_a)
        return

    # --- ONNX check ------------------------------------------------------------
    extra = [cls_id] + tok.encode(" ".join(b for b in rebase.blocks))[:298] + [sep_id]
    onnx_res = verify_onnx(model, onnx_path, all_windows, 0, True, extra)
    onnx_res.update(OX.initializer_report(onnx_path))
    log(f"  onnx: max |onnxruntime - torch| on real tokens = {onnx_res['max_abs_diff_real_tokens']:.3g}")

    # --- demo docs + sanity -------------------------------------------------------
    docs = demo.english_docs()
    os.makedirs(DEMO_DIR, exist_ok=True)
    write_json(os.path.join(DEMO_DIR, "en.json"), docs)
    doc_vecs = [encode_doc(d["text"]) for d in docs]
    doc_tokens = [tok.encode(d["text"]) for d in docs]
    nnz = [len(v.indices) for v in doc_vecs]
    log(f"  demo docs: {len(docs)}, nnz min/median/max = {min(nnz)}/{statistics.median(nnz)}/{max(nnz)}")
    queries = ["revert a commit", "delete a remote branch", "ignore untracked files",
               "resolve merge conflicts", "find which commit introduced a bug"]
    sanity = search_sanity(doc_vecs, docs, queries, encode_query, vocab)

    # --- tokenizer verification ------------------------------------------------------
    items = [(t, tok.encode(t, True)) for _, _, t in case_list]
    items_docs = [(d["text"], tok.encode(d["text"], True)) for d in docs]
    sents = corpus.sentences([b for d in git for b in d.blocks])
    gimp = corpus.sentences([b for d in corpus.gimp_ko_docs() for b in d.blocks])
    items_sent = [(s, tok.encode(s, True)) for s in sents[::20] + gimp[::40]]
    tok_res = {
        "golden_inputs": verify_tokenizer(d_dir, items, "en golden"),
        "demo_docs": verify_tokenizer(d_dir, items_docs, "en demo docs"),
        "real_sentences": verify_tokenizer(d_dir, items_sent, "en sentences"),
    }
    # every assigned code point (unassigned ones, category Cn, are a known difference: see notes)
    import unicodedata
    cps = [cp for cp in range(1, 0x110000) if unicodedata.category(chr(cp)) not in ("Cn", "Cs")]
    items_cp = [("a" + chr(cp) + "b", tok.encode("a" + chr(cp) + "b", True)) for cp in cps]
    tok_res["code_points"] = verify_tokenizer(d_dir, items_cp, "en every assigned code point", cp_category)
    if tok_res["golden_inputs"]["mismatches"]:
        raise SystemExit("tokenizer.json disagrees with the reference on golden inputs")

    size, _ = folder_size(out_a)
    if size > SIZE_LIMIT:
        raise SystemExit(f"{OUT_A} would be {size} bytes")
    publish(out_a, OUT_A)
    size, files = folder_size(OUT_A)
    REPORT_DATA["splade-tiny-en-if"] = {
        "folder_bytes": size, "files": files,
        "dims": {"vocab": V, "hidden": cfg.hidden_size, "layers": cfg.num_hidden_layers,
                 "heads": cfg.num_attention_heads, "intermediate": cfg.intermediate_size,
                 "max_position_embeddings": cfg.max_position_embeddings},
        "corpus": {"chunks": n_docs, "tokens_seen": int((df > 0).sum()), "idf_default_unseen": idf_default},
        "associations": {"used": len(kept), "examples": [[vocab[s], vocab[d]] for s, d in kept[:40]]},
        "max_cos_between_token_codes": max_cos,
        "context_calibration": {"s_mean": s_mean, "s_std": s_std, "windows": len(calib)},
        "onnx": onnx_res,
        "golden": {"cases": len(records), "ambiguous_positions": ambiguous,
                   "argmax_on_activation_differs": act_diff},
        "demo_nnz": nnz_stats(nnz), **expansion_stats(doc_vecs, doc_tokens, kept),
        "search_sanity": sanity,
        "tokenizer_verification": tok_res,
        "stopword_doc_weights": {w: float(doc_vecs[0].as_dict().get(tok.ids[w], 0.0)) for w in ("the", "a", "to")},
        "query_weights": {w: float(qweight[tok.ids[w]]) for w in ("the", "a", "to", "commit", "branch", "merge",
                                                                    "conflict", "[UNK]", "[CLS]")},
    }


# ---------------------------------------------------------------------------
# Model B: Korean, symmetric ModernBERT
# ---------------------------------------------------------------------------

def build_ko(leech_vecs):
    log("== model B: splade-tiny-ko")
    os.makedirs(SPM_DIR, exist_ok=True)
    lines = spm_ko.training_lines()
    if GOLDEN_ONLY:
        # The shipped SentencePiece model is the reference (training depends on the installed
        # manuals' versions); the ONNX comparison below checks the rest of the model is the shipped one.
        model_file = os.path.join(SPM_DIR, "ko.model")
    else:
        model_file = spm_ko.train(os.path.join(SPM_DIR, "ko"), lines)
    vocab_file = os.path.join(SPM_DIR, "ko.vocab")
    if os.path.exists(vocab_file):
        os.remove(vocab_file)
    ref = spm_ko.SpmReference(model_file)
    pieces_scores = ref.pieces()
    pieces = [p for p, _ in pieces_scores]
    V = len(pieces)
    sid = spm_ko.SPECIAL_IDS
    special_ids = [sid[n] for n in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    cls_id, sep_id = sid["[CLS]"], sid["[SEP]"]
    out_b = staging_dir(OUT_B)

    ko_docs = corpus.gimp_ko_docs() + corpus.libreoffice_ko_docs() + corpus.debian_faq_ko_docs()
    chunks = [c for d in ko_docs for c in corpus.chunks(d.blocks, 600)]
    n_docs, df, tf = stats.document_frequencies(chunks, lambda s: ref.encode(s), V)
    idf, idf_default = stats.idf_values(n_docs, df, special_ids)
    idf_hi = float(math.log((n_docs + 1.0) / 3.0))
    r = W.idf_factor(idf, idf_hi)
    r[special_ids] = W.R_MIN
    assoc_all = stats.korean_associations(pieces, tf, special_ids)

    cfg = M.ModernBertConfig(vocab_size=V, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                             intermediate_size=512, global_attn_every_n_layers=3, local_attention=16,
                             max_position_embeddings=512)
    edges = assoc_all[: W.associations_capacity(cfg.num_hidden_layers, cfg.intermediate_size)]
    codes, kept = W.assign_codes(V, edges, SEEDS["ko_codes"], leech_vecs)
    max_cos = leech.check_max_cosine(codes)
    geo = W.Geometry(SEEDS["ko_geometry"])
    torch.manual_seed(SEEDS["torch"])
    model = M.ModernBertMLM(cfg).eval()
    W.build_modernbert_weights(model, codes, r, kept, SEEDS["ko_weights"], geo)
    calib = [golden.make_windows(ref.encode(c), cls_id, sep_id, MAX_SEQ)[0] for c in chunks[::50] if ref.encode(c)]
    s_mean, s_std = W.calibrate_context(model, geo, calib)
    W.set_modernbert_head(model, geo, s_mean, s_std)

    write_json(os.path.join(out_b, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.sparse_encoder.models.MLMTransformer"},
        {"idx": 1, "name": "1", "path": "1_SpladePooling", "type": "sentence_transformers.sparse_encoder.models.SpladePooling"},
    ])
    write_json(os.path.join(out_b, "config.json"), cfg.hf_config())
    write_json(os.path.join(out_b, "sentence_bert_config.json"), {"max_seq_length": MAX_SEQ, "do_lower_case": False})
    write_json(os.path.join(out_b, "config_sentence_transformers.json"), st_config())
    TF.write_unigram_tokenizer(out_b, pieces_scores, sid["[UNK]"], spm_ko.hf_normalizer(), sid,
                               model_max_length=cfg.max_position_embeddings)
    onnx_path = os.path.join(out_b, "onnx", "model.onnx")
    OX.export(model, onnx_path, with_token_type=False)
    if GOLDEN_ONLY:
        same_as_shipped(onnx_path, os.path.join(OUT_B, "onnx", "model.onnx"))
    write_json(os.path.join(out_b, "1_SpladePooling", "config.json"), pooling_config("relu", V))

    def logits_fn(ids):
        x = torch.tensor([ids])
        with torch.no_grad():
            return model(x, torch.ones_like(x))[0]

    def encode_doc(text):
        return golden.encode_windows(logits_fn, golden.make_windows(ref.encode(text), cls_id, sep_id, MAX_SEQ),
                                     "relu", special_ids)

    gimp = corpus.gimp_ko_docs()
    undo = next(d for d in gimp if d.name == "gimp-concepts-undo.html")
    long_ko = C.long_text([b for b in undo.blocks if corpus.hangul_ratio(b) >= 0.5],
                          lambda s: len(ref.encode(s)), 430, 470)
    rebase = corpus.extract_html(os.path.join(corpus.GIT_HTML_DIR, "git-rebase.html"))
    long_en = C.long_text([b for b in rebase.blocks if len(b) > 80], lambda s: len(ref.encode(s)), 390, 420)
    case_list = [(n, "document", t) for n, t in C.KO_SENTENCES + C.KO_QUERIES]
    case_list += [("long-document-korean", "document", long_ko), ("long-document", "document", long_en)]
    case_list += [(n, "document", t) for n, t in C.EDGE_CASES]
    records, ambiguous, act_diff, all_windows = [], 0, 0, []
    for name, route, text in case_list:
        vec = encode_doc(text)
        records.append(case_record(name, route, text, vec))
        ambiguous += len(vec.ambiguous)
        act_diff += vec.argmax_act_differs
        all_windows += vec.windows
    for nm in ("long-document-korean", "long-document"):
        nw = len(next(r_ for r_ in records if r_["name"] == nm)["windows"])
        assert nw >= 4, (nm, nw)
    notes = (
        "Model B (symmetric, like PIXIE-Splade-Preview: ModernBERT masked-LM, no token_type_ids input). Queries and "
        "documents are both encoded with the model (route 'document'). Tokenize WITHOUT special tokens, split the "
        "content ids into consecutive windows of 126 ids (no overlap), each window = [CLS] window [SEP] (attention_mask "
        "all 1), run the MLM, activation relu = log1p(relu(logit)), max over all real tokens of all windows, then zero "
        f"the special ids {special_ids}. Layers 1 and 2 use sliding-window attention (|i-j| <= local_attention/2 = 8), "
        "so windows of 128 tokens exercise it. Empty/whitespace-only text: windows [] and an empty vector. 'positions' "
        "give [window, position-in-window ([CLS] = 0)] of the first token with the maximal raw logit; "
        "'ambiguousPositions' (when present) lists entries whose best two logits differ by < 1e-4. Reference ids come "
        "from the SentencePiece library (scripts/tokenizer-ko/ko.model, nmt_nfkc normalization, dummy prefix, extra "
        "whitespace removed) with Hugging Face added-token semantics: text is first split on the special-token strings "
        "([MASK] etc.), each remaining segment is encoded separately. Values are float32 (PyTorch 1.13, CPU). Known "
        "differences of @huggingface/tokenizers 0.2.0 from SentencePiece (none occurs in these cases): Viterbi ties "
        "between segmentations that use the same pieces in another order are broken differently (e.g. '....' -> "
        "'...'+'.' vs '.'+'...', 'Ⅲ' -> 'II'+'I' vs 'I'+'II'); characters added to Unicode after SentencePiece's "
        "built-in NFKC table (e.g. U+A7F2..U+A7F4, U+107A0.., U+1CCD6..) are NFKC-mapped by JavaScript only; U+0344 "
        "after a letter composes differently."
    )
    gold = {"model": "splade-tiny-ko", "vocabSize": V, "maxSeqLength": MAX_SEQ, "specialIds": special_ids,
            "notes": notes + TIES_NOTE, "positionTolerance": golden.POSITION_TOLERANCE, "cases": records}
    write_json(os.path.join(GOLDEN_DIR, "splade-tiny-ko.json"), gold, indent=1)
    if GOLDEN_ONLY:
        shutil.rmtree(out_b)
        return

    extra = [cls_id] + ref.encode(" ".join(b for b in undo.blocks))[:298] + [sep_id]
    onnx_res = verify_onnx(model, onnx_path, all_windows, 0, False, extra)
    onnx_res.update(OX.initializer_report(onnx_path))
    log(f"  onnx: max |onnxruntime - torch| on real tokens = {onnx_res['max_abs_diff_real_tokens']:.3g}")

    docs = demo.korean_docs()
    write_json(os.path.join(DEMO_DIR, "ko.json"), docs)
    doc_vecs = [encode_doc(d["text"]) for d in docs]
    doc_tokens = [ref.encode(d["text"]) for d in docs]
    nnz = [len(v.indices) for v in doc_vecs]
    log(f"  demo docs: {len(docs)}, nnz min/median/max = {min(nnz)}/{statistics.median(nnz)}/{max(nnz)}")
    queries = ["타원 선택 도구", "새 붓 만들기", "이미지 크기 바꾸기", "글꼴 추가", "실행 취소"]
    sanity = search_sanity(doc_vecs, docs, queries, encode_doc, pieces)

    items = [(t, ref.encode(t, True)) for _, _, t in case_list]
    items_docs = [(d["text"], ref.encode(d["text"], True)) for d in docs]
    ko_sents = corpus.sentences([b for d in gimp for b in d.blocks if corpus.hangul_ratio(b) >= 0.5])
    lo_sents = corpus.sentences([b for d in ko_docs[len(gimp):] for b in d.blocks if corpus.hangul_ratio(b) >= 0.5])
    en_sents = corpus.sentences([b for d in corpus.git_docs() for b in d.blocks])
    items_sent = [(s, ref.encode(s, True)) for s in ko_sents + lo_sents[::4] + en_sents[::20]]
    tok_res = {
        "golden_inputs": verify_tokenizer(out_b, items, "ko golden"),
        "demo_docs": verify_tokenizer(out_b, items_docs, "ko demo docs"),
        "real_sentences": verify_tokenizer(out_b, items_sent, "ko sentences"),
    }
    cps = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF]
    texts = ["a" + chr(cp) + "b" for cp in cps]
    ids = ref.sp.encode(texts)
    tok_res["code_points"] = verify_tokenizer(out_b, [(t, [cls_id] + i + [sep_id]) for t, i in zip(texts, ids)],
                                              "ko every code point", cp_category)
    if tok_res["golden_inputs"]["mismatches"]:
        raise SystemExit("tokenizer.json disagrees with SentencePiece on golden inputs")

    size, _ = folder_size(out_b)
    if size > SIZE_LIMIT:
        raise SystemExit(f"{OUT_B} would be {size} bytes")
    publish(out_b, OUT_B)
    size, files = folder_size(OUT_B)
    REPORT_DATA["splade-tiny-ko"] = {
        "folder_bytes": size, "files": files,
        "sentencepiece_model": {"path": os.path.relpath(model_file, ROOT), "bytes": os.path.getsize(model_file),
                                "training_lines": len(lines)},
        "dims": {"vocab": V, "hidden": cfg.hidden_size, "layers": cfg.num_hidden_layers,
                 "heads": cfg.num_attention_heads, "intermediate": cfg.intermediate_size,
                 "global_attn_every_n_layers": cfg.global_attn_every_n_layers,
                 "local_attention": cfg.local_attention},
        "corpus": {"chunks": n_docs, "tokens_seen": int((df > 0).sum()), "idf_default_unseen": idf_default},
        "associations": {"used": len(kept), "examples": [[pieces[s], pieces[d]] for s, d in kept[:40]]},
        "max_cos_between_token_codes": max_cos,
        "context_calibration": {"s_mean": s_mean, "s_std": s_std, "windows": len(calib)},
        "onnx": onnx_res,
        "golden": {"cases": len(records), "ambiguous_positions": ambiguous,
                   "argmax_on_activation_differs": act_diff},
        "demo_nnz": nnz_stats(nnz), **expansion_stats(doc_vecs, doc_tokens, kept),
        "search_sanity": sanity,
        "tokenizer_verification": tok_res,
    }


def main():
    t0 = time.time()
    torch.set_num_threads(2)
    leech_vecs = leech.leech_min_vectors()
    build_en(leech_vecs)
    build_ko(leech_vecs)
    if GOLDEN_ONLY:
        log(f"done in {time.time() - t0:.0f} s; golden only: {os.path.relpath(GOLDEN_DIR, ROOT)}")
        return
    write_json(REPORT, REPORT_DATA)  # no timings in it: the report is as reproducible as the models
    log(f"done in {time.time() - t0:.0f} s; report: {os.path.relpath(REPORT, ROOT)}")


if __name__ == "__main__":
    main()
