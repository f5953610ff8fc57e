/**
 * The one comparison of an encoder's vector with a PyTorch golden case, shared by the browser tests
 * (through e2e/support/golden.ts) and the Node tests (test/golden-node.test.ts). Plain code, no test
 * framework: it reports, the callers assert.
 */
import { readFileSync } from 'node:fs';

/** An entry whose argmax is a near-tie in PyTorch (see scripts/splade_build/golden.py). */
export interface PositionTie {
  id: number;
  /** Best minus second-best raw logit, below the golden file's positionTolerance. */
  gap: number;
  /** Every [window, token] within positionTolerance of the best; the golden position first. */
  positions: [number, number][];
}

export interface GoldenCase {
  name: string;
  route: 'query' | 'document';
  text: string;
  windows: number[][];
  indices: number[];
  values: number[];
  positions?: [number, number][];
  positionTies?: PositionTie[];
}

export interface Golden {
  model: string;
  vocabSize: number;
  maxSeqLength: number;
  specialIds: number[];
  positionTolerance: number;
  cases: GoldenCase[];
}

export const MODELS = ['splade-tiny-en-if', 'splade-tiny-ko'] as const;
export type ModelName = (typeof MODELS)[number];

export function loadGolden(model: ModelName): Golden {
  return JSON.parse(readFileSync(new URL(`../fixtures/golden/${model}.json`, import.meta.url), 'utf8'));
}

/** Largest allowed |value - golden value|: float32 runtimes against PyTorch fp32. */
export const TOLERANCE = 1e-4;

/** A vector with plain arrays (as page.evaluate returns it) or typed arrays. */
export interface AnyVector {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
  positions?: ArrayLike<number>;
}

export interface Comparison {
  /** Problems found; empty when the vector matches. */
  problems: string[];
  /** Largest |value - golden value| over the entries (0 for an empty vector). */
  maxDiff: number;
  /** Positions compared (0 when positions were not asked for). */
  positions: number;
  /** Of those, positions that went to another listed near-tie position. */
  tiedElsewhere: number;
}

/**
 * Same non-zero set, every value within TOLERANCE, and, when `withPositions`, every position equal
 * to the golden one, except at an entry the golden lists in positionTies, which may go to another
 * of its listed positions (and nowhere else).
 */
export function compareWithGolden(got: AnyVector, want: GoldenCase, withPositions: boolean): Comparison {
  const problems: string[] = [];
  const indices = Array.from(got.indices);
  const values = Array.from(got.values);
  let maxDiff = 0;
  let positions = 0;
  let tiedElsewhere = 0;
  if (indices.length !== want.indices.length || indices.some((id, k) => id !== want.indices[k])) {
    const missing = want.indices.filter((id) => !indices.includes(id));
    const extra = indices.filter((id) => !want.indices.includes(id));
    problems.push(
      `"${want.name}": non-zero set differs (missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)})`,
    );
    return { problems, maxDiff: Infinity, positions, tiedElsewhere };
  }
  if (values.length !== indices.length)
    problems.push(`"${want.name}": ${values.length} values for ${indices.length} indices`);
  want.values.forEach((v, k) => {
    const d = Math.abs(v - values[k]!);
    // NaN must fail too, so compare with !(d <= max).
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
  });
  if (!(maxDiff <= TOLERANCE)) problems.push(`"${want.name}": max |value - golden| = ${maxDiff} > ${TOLERANCE}`);
  if (withPositions && want.route === 'document') {
    const wantPos = want.positions ?? [];
    const gotPos = got.positions ? Array.from(got.positions) : undefined;
    if (!gotPos || gotPos.length !== 2 * wantPos.length) {
      problems.push(`"${want.name}": expected ${wantPos.length} positions, got ${gotPos ? gotPos.length / 2 : 'none'}`);
      return { problems, maxDiff, positions, tiedElsewhere };
    }
    const ties = new Map((want.positionTies ?? []).map((t) => [t.id, t]));
    wantPos.forEach(([w, t], k) => {
      positions++;
      const gw = gotPos[2 * k]!;
      const gt = gotPos[2 * k + 1]!;
      if (gw === w && gt === t) return;
      const tie = ties.get(want.indices[k]!);
      if (tie && tie.positions.some(([tw, tt]) => tw === gw && tt === gt)) {
        tiedElsewhere++;
        return;
      }
      problems.push(
        `"${want.name}": id ${want.indices[k]} at [${gw}, ${gt}], golden [${w}, ${t}]${tie ? ` (listed near-tie positions ${JSON.stringify(tie.positions)})` : ' (not a listed near-tie)'}`,
      );
    });
  }
  return { problems, maxDiff, positions, tiedElsewhere };
}
