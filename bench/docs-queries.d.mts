/** bench:docs' queries: [query, the pages (file names under git-doc) that answer it]. */
export declare const QUERIES: [string, string[]][];
/** PostgreSQL 15's manual: [query, wanted pages (file names under html/), why those pages answer it]. */
export declare const POSTGRESQL_QUERIES: [string, string[], string][];
/** Several Debian documentation packages side by side: [query, wanted pages (paths under the site), reason]. */
export declare const DEBIAN_QUERIES: [string, string[], string][];
/** Misspelled ([typed, wanted pages, meant]) and made-up ([typed, [], null]) queries, per site. */
export declare const TYPO_QUERIES: Record<'git-doc' | 'postgresql' | 'debian', [string, string[], string | null][]>;
/** Every prefix of `query` as a reader types it (whole first words, the last word partial). */
export declare function typedPrefixes(query: string): string[];
