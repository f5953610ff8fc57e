"""Demo document sets (plain text, 300-1500 characters) and search sanity checks."""

from __future__ import annotations

import os
import re
from typing import Dict, List

from . import corpus

# A fixed, topic-spread selection of git manual pages.
EN_PAGES = [
    "git-add", "git-am", "git-apply", "git-archive", "git-bisect", "git-blame", "git-branch", "git-bundle",
    "git-cat-file", "git-checkout", "git-cherry-pick", "git-clean", "git-clone", "git-commit", "git-config",
    "git-credential", "git-describe", "git-diff", "git-fetch", "git-format-patch", "git-fsck", "git-gc", "git-grep",
    "git-init", "git-log", "git-ls-files", "git-maintenance", "git-merge", "git-mergetool", "git-mv", "git-notes",
    "git-prune", "git-pull", "git-push", "git-rebase", "git-reflog", "git-remote", "git-repack", "git-reset",
    "git-restore", "git-revert", "git-rm", "git-send-email", "git-shortlog", "git-show", "git-sparse-checkout",
    "git-stash", "git-status", "git-submodule", "git-switch", "git-tag", "git-worktree", "gitattributes",
    "gitcredentials", "githooks", "gitignore", "gitglossary", "gitmodules", "gitrevisions", "gitworkflows",
]

_HEADING = re.compile(r"^[A-Z][A-Z0-9 _-]+$")


def _truncate(blocks: List[str], max_chars: int) -> str:
    out: List[str] = []
    n = 0
    for b in blocks:
        add = len(b) + (1 if out else 0)
        if n + add > max_chars:
            if not out:  # a single very long block: cut at a sentence end
                cut = b[:max_chars]
                k = max(cut.rfind(". "), cut.rfind(".\u00a0"))
                out.append(cut[:k + 1] if k > 200 else cut)
            break
        out.append(b)
        n += add
    return "\n".join(out)


def english_docs() -> List[Dict[str, str]]:
    docs = []
    for name in EN_PAGES:
        d = corpus.extract_html(os.path.join(corpus.GIT_HTML_DIR, name + ".html"))
        blocks = d.blocks
        title = d.title
        body: List[str] = []
        if "NAME" in blocks:
            i = blocks.index("NAME")
            if i + 1 < len(blocks):
                title = blocks[i + 1]
        if "DESCRIPTION" in blocks:
            i = blocks.index("DESCRIPTION") + 1
            while i < len(blocks) and not _HEADING.match(blocks[i]):
                body.append(blocks[i])
                i += 1
        if sum(len(b) for b in body) < 300:
            body = [b for b in blocks if len(b) > 60 and not _HEADING.match(b)]
        text = _truncate([title] + body, 1500)
        if len(text) < 300:
            raise SystemExit(f"demo doc {name} too short ({len(text)} chars)")
        docs.append({"id": name, "title": title, "url": name + ".html", "text": text})
    return docs


def korean_docs(limit: int = 60) -> List[Dict[str, str]]:
    docs = []
    for d in corpus.gimp_ko_docs():
        if d.name in ("gimp-help-index.html",):
            continue
        blocks = [b for b in d.blocks if corpus.hangul_ratio(b) >= 0.5]
        if sum(len(b) + 1 for b in blocks) < 300:
            continue
        text = _truncate(blocks, 1500)
        if len(text) < 300:
            continue
        docs.append({"id": d.name[:-5], "title": d.title, "url": d.name, "text": text})
        if len(docs) == limit:
            break
    return docs
