"""SentencePiece Unigram tokenizer for the Korean model (vocab exactly 50000)."""

from __future__ import annotations

import os
import unicodedata
from typing import List, Tuple

from . import corpus
from .bert_tokenizer import split_special

SPECIAL_IDS = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
VOCAB_SIZE = 50000


def training_lines() -> List[str]:
    """Korean manuals (GIMP, LibreOffice help, Debian FAQ), the Korean hunspell word list
    and the English git manual, one block per line, in a fixed order."""
    lines: List[str] = []
    for docs in (corpus.gimp_ko_docs(), corpus.libreoffice_ko_docs(), corpus.debian_faq_ko_docs(),
                 corpus.git_docs()):
        for d in docs:
            for b in d.blocks:
                b = b.strip()
                if b:
                    lines.append(b)
    words = [unicodedata.normalize("NFC", w) for w in corpus.hunspell_ko_words()]
    for i in range(0, len(words), 16):
        lines.append(" ".join(words[i:i + 16]))
    return lines


def train(model_prefix: str, lines: List[str], rule_tsv: str | None = None) -> str:
    import sentencepiece as spm

    os.makedirs(os.path.dirname(model_prefix), exist_ok=True)
    txt = model_prefix + ".train.txt"
    with open(txt, "w", encoding="utf-8") as f:
        for l in lines:
            f.write(l.replace("\n", " ") + "\n")
    spm.set_random_generator_seed(1234)
    kwargs = dict(
        input=txt,
        model_prefix=model_prefix,
        model_type="unigram",
        vocab_size=VOCAB_SIZE,
        character_coverage=0.9999,
        pad_id=0, unk_id=1, bos_id=2, eos_id=3,
        pad_piece="[PAD]", unk_piece="[UNK]", bos_piece="[CLS]", eos_piece="[SEP]",
        user_defined_symbols=["[MASK]"],
        input_sentence_size=0,
        shuffle_input_sentence=False,
        num_threads=1,
        max_sentence_length=1 << 16,
        add_dummy_prefix=True,
        remove_extra_whitespaces=True,
        split_digits=False,
        minloglevel=2,
    )
    if rule_tsv:
        kwargs["normalization_rule_tsv"] = rule_tsv
    else:
        kwargs["normalization_rule_name"] = "nmt_nfkc"
    spm.SentencePieceTrainer.train(**kwargs)
    os.remove(txt)
    return model_prefix + ".model"


# tokenizer.json normalizer reproducing SentencePiece's "nmt_nfkc" rule plus its
# remove_extra_whitespaces option (checked code point by code point by make_models.py):
# drop some control characters, map whitespace-like characters to " ", NFKC (except
# U+FF5E, which nmt_nfkc keeps), collapse runs of spaces, strip.
_NMT_REMOVE = "[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"
_NMT_SPACE = ("[\t\n\u000c\r\u00a0\u1680\u2000-\u200c\u200e\u200f\u2028\u2029\u202f\u205f"
              "\u2581\u3000\ufeff\ufffd]")
_KEEP = "\uff5e"
_PLACEHOLDER = "\ufdd0"  # a noncharacter: NFKC leaves it alone


def hf_normalizer() -> dict:
    return {
        "type": "Sequence",
        "normalizers": [
            {"type": "Replace", "pattern": {"Regex": _NMT_REMOVE}, "content": ""},
            {"type": "Replace", "pattern": {"Regex": _NMT_SPACE}, "content": " "},
            {"type": "Replace", "pattern": {"String": _KEEP}, "content": _PLACEHOLDER},
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"String": _PLACEHOLDER}, "content": _KEEP},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            {"type": "Strip", "strip_left": True, "strip_right": True},
        ],
    }


class SpmReference:
    def __init__(self, model_path: str):
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        n = self.sp.get_piece_size()
        if n != VOCAB_SIZE:
            raise SystemExit(f"SentencePiece vocab is {n}, expected {VOCAB_SIZE}")
        for name, i in SPECIAL_IDS.items():
            if self.sp.id_to_piece(i) != name:
                raise SystemExit(f"special id {i} is {self.sp.id_to_piece(i)!r}, expected {name}")

    def pieces(self) -> List[Tuple[str, float]]:
        return [(self.sp.id_to_piece(i), float(self.sp.get_score(i))) for i in range(self.sp.get_piece_size())]

    def encode(self, text: str, add_special_tokens: bool = False) -> List[int]:
        """SentencePiece ids with Hugging Face added-token semantics (special-token strings
        in the text become their id; the segments between them are encoded separately)."""
        ids: List[int] = []
        for seg, special in split_special(text, SPECIAL_IDS):
            if special is not None:
                ids.append(special)
            else:
                ids.extend(self.sp.encode(seg, out_type=int))
        if add_special_tokens:
            ids = [SPECIAL_IDS["[CLS]"]] + ids + [SPECIAL_IDS["[SEP]"]]
        return ids
