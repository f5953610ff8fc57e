/** bench:docs' queries: [query, the pages (file names under git-doc) that answer it]. */
export declare const QUERIES: [string, string[]][];
/** PostgreSQL 15's manual: [query, wanted pages (file names under html/), why those pages answer it]. */
export declare const POSTGRESQL_QUERIES: [string, string[], string][];
