// The queries of `npm run bench:docs` (and bench/page-ranking.ts): git-doc (QUERIES), PostgreSQL 15's manual (POSTGRESQL_QUERIES), the Debian set (DEBIAN_QUERIES), and how a reader types them (typedPrefixes).

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

/**
 * Several Debian documentation packages side by side (bench:docs --site debian, 6 825 pages): each
 * package in a folder of its own (git/, postgresql/, python/, nodejs/, go/, django/, pandas/). Each
 * wanted page was chosen from what the pages are for, before any engine was run on this site.
 */
export const DEBIAN_QUERIES = [
  // [query, wanted pages (any one counts, paths under the site), reason]
  [
    'read a file line by line in python',
    ['python/tutorial/inputoutput.html'],
    'the tutorial\'s "Reading and Writing Files"',
  ],
  ['regular expression named groups', ['python/library/re.html'], '(?P<name>...) in the re module'],
  ['start an http server in node', ['nodejs/http.html'], 'http.createServer'],
  ['read a file asynchronously with fs promises', ['nodejs/fs.html'], 'fsPromises.readFile'],
  [
    'spawn a child process and read its output',
    ['nodejs/child_process.html', 'python/library/subprocess.html'],
    'child_process.spawn, subprocess.run',
  ],
  ['parse command line arguments', ['python/library/argparse.html'], 'argparse'],
  ['django model field types', ['django/ref/models/fields.html'], 'the model field reference'],
  ['map urls to views in django', ['django/topics/http/urls.html'], 'URL dispatcher'],
  [
    'merge two dataframes on a key column',
    ['pandas/reference/api/pandas.merge.html', 'pandas/user_guide/merging.html'],
    'pandas.merge and the merging guide',
  ],
  ['group rows and aggregate', ['pandas/user_guide/groupby.html'], 'the group by guide'],
  ['undo the last commit', ['git/git-reset.html', 'git/git-revert.html'], 'git reset / git revert'],
  ['create an index without locking the table', ['postgresql/sql-createindex.html'], 'CREATE INDEX CONCURRENTLY'],
  ['memory model happens before', ['go/go_mem.html'], 'the Go memory model'],
  ['add days to a date', ['python/library/datetime.html'], 'timedelta arithmetic'],
  ['encode an object as json', ['python/library/json.html'], 'json.dumps'],
  ['add a listener for an event', ['nodejs/events.html'], 'EventEmitter.on'],
  ['stream backpressure', ['nodejs/stream.html'], 'backpressure in streams'],
  ['list comprehensions', ['python/tutorial/datastructures.html'], "the tutorial's list comprehensions"],
  [
    'create a virtual environment',
    ['python/library/venv.html', 'python/tutorial/venv.html'],
    'venv and the tutorial chapter',
  ],
  ['validate a form field', ['django/ref/forms/validation.html'], 'form and field validation'],
  [
    'read a csv file into a dataframe',
    ['pandas/reference/api/pandas.read_csv.html', 'pandas/user_guide/io.html'],
    'read_csv',
  ],
  ['point in time recovery', ['postgresql/continuous-archiving.html'], 'continuous archiving and PITR'],
  [
    'fill missing values',
    ['pandas/user_guide/missing_data.html', 'pandas/reference/api/pandas.DataFrame.fillna.html'],
    'fillna and the missing data guide',
  ],
  ['run javascript in parallel threads', ['nodejs/worker_threads.html'], 'worker_threads'],
  ['log in and log out a user', ['django/topics/auth/default.html'], 'django.contrib.auth login/logout'],
];

/**
 * Misspelled and made-up queries (issue 20 §2), written before any engine was run on them. A
 * misspelling has the pages that its intended words answer (any one counts) and the words meant; a
 * made-up query has no intended page (wanted: []), no page holds its words. A search box does well
 * on a misspelling when it shows the intended page in the top 5 or says "no match" (offering the
 * word meant), on a made-up query when it says "no match" (or, for Pagefind, shows no result).
 */
/** Words no site holds ([typed, no wanted page, nothing meant]): the same on every site. */
const MADE_UP = [
  'zyzzyva',
  'flurbish',
  'quixotry',
  'blorptastic',
  'snarfle',
  'glimwhistle',
  'vorpalize',
  'trundlewick',
].map((word) => [word, [], null]);

export const TYPO_QUERIES = {
  'git-doc': [
    // [typed, wanted pages, meant]
    ['rebsae', ['git-rebase.html'], 'rebase'],
    ['cherry-pikc', ['git-cherry-pick.html'], 'cherry-pick'],
    ['stahs changes', ['git-stash.html'], 'stash changes'],
    ['submodlue', ['git-submodule.html', 'gitsubmodules.html'], 'submodule'],
    ['bisetc', ['git-bisect.html'], 'bisect'],
    ['wroktree', ['git-worktree.html'], 'worktree'],
    ['blmae a line', ['git-blame.html'], 'blame a line'],
    ['reflgo', ['git-reflog.html'], 'reflog'],
    ['gitignroe', ['gitignore.html'], 'gitignore'],
    ['sparse chekcout', ['git-sparse-checkout.html'], 'sparse checkout'],
    ['format-ptach', ['git-format-patch.html'], 'format-patch'],
    ['garbage colection', ['git-gc.html'], 'garbage collection'],
    ['revret a commit', ['git-revert.html'], 'revert a commit'],
    ['clnoe a repository', ['git-clone.html'], 'clone a repository'],
    ['archvie', ['git-archive.html'], 'archive'],
    ['merge confilct', ['git-merge.html'], 'merge conflict'],
    ...MADE_UP,
  ],
  postgresql: [
    ['vaccum', ['sql-vacuum.html', 'routine-vacuuming.html'], 'vacuum'],
    ['explian analyze', ['sql-explain.html', 'using-explain.html'], 'explain analyze'],
    ['pg_dupm', ['app-pgdump.html'], 'pg_dump'],
    ['pg_restroe', ['app-pgrestore.html'], 'pg_restore'],
    ['alter tabel add column', ['sql-altertable.html', 'ddl-alter.html'], 'alter table add column'],
    ['max_conections', ['runtime-config-connection.html'], 'max_connections'],
    ['pg_hab.conf', ['auth-pg-hba-conf.html'], 'pg_hba.conf'],
    ['create trigegr', ['sql-createtrigger.html', 'plpgsql-trigger.html'], 'create trigger'],
    ['partitoning', ['ddl-partitioning.html'], 'partitioning'],
    ['generate_seires', ['functions-srf.html'], 'generate_series'],
    ['recurisve query', ['queries-with.html'], 'recursive query'],
    ['window fucntions', ['functions-window.html', 'tutorial-window.html'], 'window functions'],
    ['tablespcae', ['manage-ag-tablespaces.html', 'sql-createtablespace.html'], 'tablespace'],
    ['autovacum', ['routine-vacuuming.html', 'runtime-config-autovacuum.html'], 'autovacuum'],
    ['transacton isolation', ['transaction-iso.html'], 'transaction isolation'],
    ['foriegn key', ['ddl-constraints.html'], 'foreign key'],
    ['materialzed view', ['sql-creatematerializedview.html', 'rules-materializedviews.html'], 'materialized view'],
    ...MADE_UP,
  ],
  // The Debian set (paths under the site): written 2026-12-03 from the packages' module and page
  // names, before any engine was run on them.
  debian: [
    ['argprase', ['python/library/argparse.html'], 'argparse'],
    ['asycnio', ['python/library/asyncio.html'], 'asyncio'],
    ['itertols', ['python/library/itertools.html'], 'itertools'],
    ['subprocces', ['python/library/subprocess.html'], 'subprocess'],
    ['datetiem', ['python/library/datetime.html'], 'datetime'],
    ['pathlbi', ['python/library/pathlib.html'], 'pathlib'],
    ['unittets', ['python/library/unittest.html'], 'unittest'],
    ['child_porcess', ['nodejs/child_process.html'], 'child_process'],
    ['worker_thraeds', ['nodejs/worker_threads.html'], 'worker_threads'],
    ['event emmiter', ['nodejs/events.html'], 'event emitter'],
    ['crypto hahs', ['nodejs/crypto.html'], 'crypto hash'],
    ['midleware', ['django/topics/http/middleware.html', 'django/ref/middleware.html'], 'middleware'],
    ['djagno migrations', ['django/topics/migrations.html'], 'django migrations'],
    [
      'dataframe groupyb',
      ['pandas/user_guide/groupby.html', 'pandas/reference/api/pandas.DataFrame.groupby.html'],
      'dataframe groupby',
    ],
    [
      'pivot_tabel',
      ['pandas/reference/api/pandas.DataFrame.pivot_table.html', 'pandas/reference/api/pandas.pivot_table.html'],
      'pivot_table',
    ],
    ['read_cvs', ['pandas/reference/api/pandas.read_csv.html'], 'read_csv'],
    ['mising data', ['pandas/user_guide/missing_data.html'], 'missing data'],
    ['vaccum', ['postgresql/sql-vacuum.html', 'postgresql/routine-vacuuming.html'], 'vacuum'],
    ...MADE_UP,
  ],
};

/**
 * Every prefix of `query` as a reader types it: whole first words, the last word partial; a prefix
 * ending in a space is the one before it again and is left out.
 */
export function typedPrefixes(query) {
  const out = [];
  for (let i = 1; i <= query.length; i++) if (query[i - 1] !== ' ') out.push(query.slice(0, i));
  return out;
}
