"""Writers for Hugging Face tokenizer files (tokenizer.json & co)."""

from __future__ import annotations

import json
import os
from typing import Dict, List, Sequence, Tuple


def write_json(path: str, obj, indent=2) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def _added(tok_id: int, content: str) -> dict:
    return {
        "id": tok_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def _template(cls: Tuple[str, int], sep: Tuple[str, int]) -> dict:
    return {
        "type": "TemplateProcessing",
        "single": [
            {"SpecialToken": {"id": cls[0], "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": sep[0], "type_id": 0}},
        ],
        "pair": [
            {"SpecialToken": {"id": cls[0], "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": sep[0], "type_id": 0}},
            {"Sequence": {"id": "B", "type_id": 1}},
            {"SpecialToken": {"id": sep[0], "type_id": 1}},
        ],
        "special_tokens": {
            cls[0]: {"id": cls[0], "ids": [cls[1]], "tokens": [cls[0]]},
            sep[0]: {"id": sep[0], "ids": [sep[1]], "tokens": [sep[0]]},
        },
    }


SPECIAL_NAMES = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _special_map() -> dict:
    return {
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "unk_token": "[UNK]",
    }


def _added_tokens_decoder(special_ids: Dict[str, int]) -> dict:
    out = {}
    for name in sorted(special_ids, key=lambda n: special_ids[n]):
        d = _added(special_ids[name], name)
        d.pop("id")
        out[str(special_ids[name])] = d
    return out


# ---------------------------------------------------------------------------
# BERT WordPiece (model A)
# ---------------------------------------------------------------------------

def bert_tokenizer_json(vocab: List[str]) -> dict:
    ids = {t: i for i, t in enumerate(vocab)}
    special_ids = {n: ids[n] for n in SPECIAL_NAMES}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(special_ids[n], n) for n in sorted(SPECIAL_NAMES, key=lambda n: special_ids[n])],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": _template(("[CLS]", special_ids["[CLS]"]), ("[SEP]", special_ids["[SEP]"])),
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": ids,
        },
    }


def write_bert_tokenizer(folder: str, vocab: List[str]) -> None:
    os.makedirs(folder, exist_ok=True)
    ids = {t: i for i, t in enumerate(vocab)}
    special_ids = {n: ids[n] for n in SPECIAL_NAMES}
    write_json(os.path.join(folder, "tokenizer.json"), bert_tokenizer_json(vocab), indent=None)
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        for t in vocab:
            f.write(t + "\n")
    cfg = {
        "added_tokens_decoder": _added_tokens_decoder(special_ids),
        "clean_up_tokenization_spaces": True,
        "do_basic_tokenize": True,
        "do_lower_case": True,
        "model_max_length": 512,
        "never_split": None,
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
    }
    cfg.update(_special_map())
    write_json(os.path.join(folder, "tokenizer_config.json"), cfg)
    write_json(os.path.join(folder, "special_tokens_map.json"), _special_map())


# ---------------------------------------------------------------------------
# SentencePiece Unigram (model B)
# ---------------------------------------------------------------------------

def unigram_tokenizer_json(pieces: Sequence[Tuple[str, float]], unk_id: int, normalizer: dict,
                           special_ids: Dict[str, int]) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(special_ids[n], n) for n in sorted(special_ids, key=lambda n: special_ids[n])],
        "normalizer": normalizer,
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": _template(("[CLS]", special_ids["[CLS]"]), ("[SEP]", special_ids["[SEP]"])),
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": unk_id,
            "vocab": [[p, float(s)] for p, s in pieces],
            "byte_fallback": False,
        },
    }


def write_unigram_tokenizer(folder: str, pieces: Sequence[Tuple[str, float]], unk_id: int, normalizer: dict,
                            special_ids: Dict[str, int], model_max_length: int = 8192) -> None:
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "tokenizer.json"),
               unigram_tokenizer_json(pieces, unk_id, normalizer, special_ids), indent=None)
    cfg = {
        "added_tokens_decoder": _added_tokens_decoder(special_ids),
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_input_names": ["input_ids", "attention_mask"],
    }
    cfg.update(_special_map())
    write_json(os.path.join(folder, "tokenizer_config.json"), cfg)
    write_json(os.path.join(folder, "special_tokens_map.json"), _special_map())
