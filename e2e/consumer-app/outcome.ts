/** What the consumer app reports (window.outcome), shared with the test that reads it. */
export interface Outcome {
  ok: boolean;
  isolated: boolean;
  device?: string;
  queryTerms?: number;
  documentTerms?: number[];
  hits?: { id: string; score: number }[];
  /** <splade-search> from `splade-web/widget`: defined, and the titles it showed for a search. */
  widget?: { defined: boolean; shown: string[] };
  error?: { name: string; code?: string; message: string };
}
