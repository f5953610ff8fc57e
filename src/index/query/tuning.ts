/**
 * Every tuning constant of the pruned scorer, in one place. None changes a result (search stays
 * exact), only how fast it is reached; each was measured with `npm run bench:index`.
 */

/** What a seek costs, in postings added (measured: a seek is a chain of dependent loads). */
export const SEEK_COST = 16;

/**
 * A list at least this dense (postings per document of the range) is probed through its weight
 * column when it has one: a probe is then one load rather than a seek.
 */
export const COLUMN_DENSITY = 1 / 8;

/** Postings of the first lists read, per result asked for, when picking documents for an estimate. */
export const ESTIMATE_BUDGET_PER_RESULT = 64;

/** Documents scored exactly for a threshold estimate, per result asked for. */
export const ESTIMATE_DOCS_PER_RESULT = 2;

/** An estimate is made only when probing its documents costs under this fraction of adding the lists. */
export const ESTIMATE_MAX_COST = 1 / 8;

/** One accumulator in this many is sampled to count candidates. */
export const SAMPLE_STRIDE = 32;

/** Reading a posting of the first lists (random loads, then a sort) costs this many steps of a scan. */
export const POSTING_READ_COST = 10;

/** Zeroing touched accumulators one by one costs this many times a sequential fill per accumulator. */
export const SCATTER_CLEAR_COST = 8;
