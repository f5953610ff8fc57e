// The queries of `npm run bench:docs` (and bench/page-ranking.ts): git-doc (QUERIES) and PostgreSQL 15's manual (POSTGRESQL_QUERIES).

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

/**
 * PostgreSQL 15's HTML manual (Debian's postgresql-doc-15, /usr/share/doc/postgresql-doc-15/html,
 * 1 169 pages). Each wanted page was chosen from what the manual's pages are for, before any
 * engine was run on these queries; the reason says why that page answers it.
 */
export const POSTGRESQL_QUERIES = [
  // [query, wanted pages (any one counts), reason]
  ['create an index without locking the table', ['sql-createindex.html'], 'CREATE INDEX documents CONCURRENTLY'],
  [
    'reclaim space from deleted rows',
    ['sql-vacuum.html', 'routine-vacuuming.html'],
    'VACUUM and the chapter on routine vacuuming',
  ],
  ['show the query plan', ['sql-explain.html', 'using-explain.html'], 'EXPLAIN, and the "Using EXPLAIN" section'],
  ['back up a single database to a file', ['app-pgdump.html', 'backup-dump.html'], 'pg_dump and "SQL Dump"'],
  [
    'restore a dump made by pg_dump',
    ['app-pgrestore.html', 'backup-dump.html'],
    'pg_restore and "SQL Dump" (restoring)',
  ],
  [
    'add a column to an existing table',
    ['sql-altertable.html', 'ddl-alter.html'],
    'ALTER TABLE ... ADD COLUMN, "Modifying Tables"',
  ],
  ['insert a row or update it if it already exists', ['sql-insert.html'], 'INSERT ... ON CONFLICT DO UPDATE'],
  ['current date and time', ['functions-datetime.html'], 'now(), current_timestamp: "Date/Time Functions"'],
  [
    'split a string into an array',
    ['functions-string.html', 'functions-array.html'],
    'string_to_array, regexp_split_to_array',
  ],
  ['extract a field from a json value', ['functions-json.html'], 'the -> and ->> operators, json_extract_path'],
  ['limit the number of connections', ['runtime-config-connection.html'], 'max_connections'],
  ['allow remote clients to connect with a password', ['auth-pg-hba-conf.html'], 'pg_hba.conf host lines and methods'],
  [
    'create a new user with login',
    ['sql-createrole.html', 'sql-createuser.html'],
    'CREATE ROLE ... LOGIN / CREATE USER',
  ],
  ['grant read access on a table', ['sql-grant.html'], 'GRANT SELECT ON table'],
  ['copy data from a csv file into a table', ['sql-copy.html'], 'COPY ... FROM ... (FORMAT csv)'],
  [
    'replicate a database to a standby server',
    ['warm-standby.html', 'high-availability.html'],
    'streaming replication and standby servers',
  ],
  ['point in time recovery', ['continuous-archiving.html'], 'continuous archiving and PITR'],
  [
    'window function running total',
    ['tutorial-window.html', 'functions-window.html'],
    'the window functions tutorial and reference',
  ],
  ['recursive query for a tree', ['queries-with.html'], 'WITH RECURSIVE'],
  ['full text search ranking', ['textsearch-controls.html'], 'ts_rank and ts_rank_cd: "Ranking Search Results"'],
  ['generate a series of numbers', ['functions-srf.html'], 'generate_series: "Set Returning Functions"'],
  ['lock a row for update', ['sql-select.html', 'explicit-locking.html'], 'SELECT ... FOR UPDATE, row-level locks'],
  [
    'check how big a table is on disk',
    ['functions-admin.html', 'disk-usage.html'],
    'pg_total_relation_size, "Determining Disk Usage"',
  ],
  [
    'trigger function that runs before insert',
    ['plpgsql-trigger.html', 'sql-createtrigger.html'],
    'PL/pgSQL trigger functions, CREATE TRIGGER',
  ],
  ['partition a table by date range', ['ddl-partitioning.html'], 'declarative range partitioning'],
];
