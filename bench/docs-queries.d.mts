/** bench:docs' queries: [query, the pages (file names under git-doc) that answer it]. */
export declare const QUERIES: [string, string[]][];
