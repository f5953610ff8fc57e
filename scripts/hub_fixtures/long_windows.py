"""Long-window references (issue 19 §2): documents of up to 2048 tokens encoded in ONE forward pass.

For the two seed models' fixtures (GTE `NewForMaskedLM` and ModernBERT, both with 8192 positions),
rebuilds each module from its own seeded generator (gte.py / modernbert.py, the same seeds, so the
same weights), checks it against the stored safetensors file, and writes
`test/fixtures/hub/long-windows/<owner>__<name>.json` in the format of the references (its own folder,
so the data-driven tests over `references/` do not encode 3000-token texts at every dtype):

- text 0: real documentation passages (git-doc for GTE, gimp-help-ko for ModernBERT) joined until
  the text is as long as fits 2048 tokens with its special tokens (one 2048-token window);
- text 1: a short text, so `batch` [0, 1] (encoded together, right-padded) covers padding at 2048;
- text 2: about 3000 tokens, longer than one 2048-token window: its vector in `windowed` is the max
  over non-overlapping windows of 2048 tokens, each a forward pass of its own ([CLS] chunk [SEP]), as
  the encoder's `windowsOf` cuts them; its `vectors` entry is the whole text in one pass.

Run from the repository root with Debian's Python (python3-torch), after `npm ci`:
    /usr/bin/python3 scripts/hub_fixtures/long_windows.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import common  # noqa: E402
import gte  # noqa: E402
import modernbert  # noqa: E402

WINDOW = 2048
LONG_TOKENS = 3000
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def passages(name: str):
    with open(os.path.join(ROOT, "test", "fixtures", "passages", f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)["passages"]


def grow(source, encode, limit: int, start: int) -> str:
    """The longest text made of whole passages (then whole words of the next) from `source[start:]`
    whose ids, special tokens included, number at most `limit`."""
    text = ""
    k = start
    while True:
        passage = source[k % len(source)]
        k += 1
        candidate = (text + "\n\n" + passage) if text else passage
        if len(encode(candidate)) <= limit:
            text = candidate
            continue
        for word in passage.split(" "):
            longer = (text + (" " if text else "") + word) if not text.endswith("\n\n") else text + word
            if len(encode(longer)) > limit:
                return text
            text = longer
        return text


def windowed_vector(forward, ids, prefix: int, suffix: int, activation: str):
    """Max over the non-overlapping windows' pooled vectors, each window alone ([CLS] chunk [SEP])."""
    content = ids[prefix:len(ids) - suffix]
    room = WINDOW - prefix - suffix
    best = None
    with torch.no_grad():
        for at in range(0, len(content), room):
            window = ids[:prefix] + content[at:at + room] + ids[len(ids) - suffix:]
            i, m = common.pad_batch([window], 0)
            v = common.splade_pool(forward(i, m), m, activation)[0]
            best = v if best is None else torch.maximum(best, v)
    return common.to_sparse(best)


def write(model_id, architecture, texts, ids, forward, pad_id, activation, notes):
    for n, want in ((0, (WINDOW - 8, WINDOW)), (2, (LONG_TOKENS - 200, LONG_TOKENS))):
        assert want[0] <= len(ids[n]) <= want[1], f"text {n} has {len(ids[n])} tokens, wanted {want}"
    vectors = common.reference_vectors(forward, ids, pad_id, activation, [0, 1])
    windowed = windowed_vector(forward, ids[2], 1, 1, activation)
    folder = os.path.join(os.path.dirname(common.REFERENCES), "long-windows")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, model_id.replace("/", "__") + ".json")
    obj = {"model": model_id, "architecture": architecture, "texts": texts, "vectors": vectors, "batch": [0, 1],
           "window": WINDOW, "windowed": {"2": windowed}, "notes": notes, "ids": ids}
    common.write_json(path, obj, indent=None)
    print(f"{path}: tokens {[len(x) for x in ids]}, active {[len(v['indices']) for v in vectors]}")


def gte_reference() -> None:
    module = gte.NewForMaskedLM(gte.FIXTURE_CONFIG)
    common.init_params(module, seed=gte.SEED, overrides={
        "lm_head.decoder.bias": lambda rng, shape: gte.DECODER_BIAS_MEAN + 0.5 * rng.standard_normal(shape),
    })
    folder = common.repo_dir(gte.MODEL_ID)
    _, stored = common.read_safetensors(os.path.join(folder, "model.safetensors"))
    common.check_file_matches_module(stored, module)
    tokenizer = common.BertWordPiece()
    source = passages("git-doc")
    texts = [grow(source, tokenizer.encode, WINDOW, 0), gte.TEXTS[1], grow(source, tokenizer.encode, LONG_TOKENS, 7)]
    ids = [tokenizer.encode(t) for t in texts]
    common.check_tokenizer_with_node(folder, texts, ids)
    ref = gte.NewForMaskedLM(gte.FIXTURE_CONFIG)
    ref.load_state_dict(module.state_dict())
    ref.double().eval()
    notes = ("Long windows for the GTE fixture (gte.py's module and seed, float64): text 0 is one window of "
             f"{len(ids[0])} tokens, text 1 short (batch [0, 1] pads it to that length), text 2 {len(ids[2])} "
             "tokens: `vectors` encode it in one pass, `windowed` as non-overlapping windows of 2048 tokens.")
    write(gte.MODEL_ID, "NewForMaskedLM", texts, ids, lambda i, m: ref(i, m), tokenizer.pad_id, "log1p_relu", notes)


def modernbert_reference() -> None:
    module = modernbert.ModernBertForMaskedLM(modernbert.FIXTURE_CONFIG)
    common.init_params(module, seed=modernbert.SEED, embedding_std=modernbert.EMBEDDING_STD, overrides={
        "decoder.bias": lambda rng, shape: modernbert.DECODER_BIAS_MEAN + 0.5 * rng.standard_normal(shape),
    })
    common.round_params_to(module, modernbert.STORED_DTYPE)
    folder = common.repo_dir(modernbert.MODEL_ID)
    _, stored = common.read_safetensors(os.path.join(folder, "model.safetensors"))
    common.check_file_matches_module(stored, module)
    source = passages("gimp-help-ko")
    encode = lambda t: modernbert.spm_ids([t])[0]  # noqa: E731
    texts = [grow(source, encode, WINDOW, 0), modernbert.TEXTS[3], grow(source, encode, LONG_TOKENS, 11)]
    ids = modernbert.spm_ids(texts)
    common.check_tokenizer_with_node(folder, texts, ids)
    ref = modernbert.float64_copy(module, modernbert.FIXTURE_CONFIG)
    notes = ("Long windows for the ModernBERT fixture (modernbert.py's module and seed, float64; layers 1 and 2 "
             f"slide a window of +-4 tokens over the whole text): text 0 is one window of {len(ids[0])} tokens, "
             f"text 1 short (batch [0, 1] pads it), text 2 {len(ids[2])} tokens: `vectors` encode it in one pass, "
             "`windowed` as non-overlapping windows of 2048 tokens.")
    write(modernbert.MODEL_ID, "ModernBertForMaskedLM", texts, ids, lambda i, m: ref(i, m), 0, "relu", notes)


if __name__ == "__main__":
    gte_reference()
    modernbert_reference()
