// The queries of `npm run bench:docs` (and bench/page-ranking.ts), on Debian's git-doc pages.

/**
 * Queries as a reader types them, with the pages that answer them (any one counts). Written from
 * what the pages are for, not from what any engine returned.
 */
export const QUERIES = [
  ['undo the last commit', ['git-reset.html', 'git-revert.html']],
  ['show who changed a line', ['git-blame.html', 'git-annotate.html']],
  ['find the commit that introduced a bug', ['git-bisect.html', 'git-bisect-lk2009.html']],
  ['save uncommitted changes temporarily', ['git-stash.html']],
  ['delete untracked files', ['git-clean.html']],
  ['apply a commit from another branch', ['git-cherry-pick.html']],
  ['ignore files in the repository', ['gitignore.html']],
  ['rename a branch', ['git-branch.html']],
  ['copy a repository from a server', ['git-clone.html']],
  ['combine several commits into one', ['git-rebase.html', 'git-merge.html']],
  ['search the code for a string', ['git-grep.html']],
  ['recover a deleted branch', ['git-reflog.html']],
  ['create a patch to send by email', ['git-format-patch.html', 'git-send-email.html']],
  ['work on two branches at once in separate folders', ['git-worktree.html']],
  ['set my name and email address', ['git-config.html', 'gittutorial.html']],
  ['run a script before every commit', ['githooks.html']],
  ['include another repository inside this one', ['git-submodule.html', 'gitsubmodules.html']],
  ['download changes without merging them', ['git-fetch.html']],
  ['remove unreachable objects to save space', ['git-gc.html', 'git-prune.html']],
  ['see the history of a file', ['git-log.html']],
  ['make a tarball of the source tree', ['git-archive.html']],
  ['change the message of the last commit', ['git-commit.html']],
  ['list the files git tracks', ['git-ls-files.html']],
  ['mark a release with a version number', ['git-tag.html']],
  ['restore a file to the version in the last commit', ['git-restore.html', 'git-checkout.html']],
  ['stop tracking a file but keep it on disk', ['git-rm.html']],
  ['show changes between the working tree and the index', ['git-diff.html']],
];
