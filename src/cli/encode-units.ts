/**
 * How the build's encode stage cuts its work and deals it out (pure: no threads here, so it is
 * unit-tested directly). The work is cut into units of `batchSize` consecutive texts, exactly the
 * texts of one encoder call of the single-thread path: a unit's windows are batched (and padded)
 * the same wherever it runs, so every vector comes out bit for bit as that path gives it, whichever
 * worker encodes it and in whatever order units finish. (That also takes onnxruntime's CPU kernels
 * giving the same bits on one intra-op thread as on several, as they do for the bundled model and a
 * built GTE graph; test/build-jobs.test.ts compares whole builds byte for byte.)
 */

/** The options of every encoder call of the build, in this thread or a worker (one source of truth). */
export const ENCODE_CALL = { spans: true, batchSize: 16 } as const;

export interface EncodeUnit {
  /** Texts [start, end) of the list being encoded. */
  start: number;
  end: number;
  /** A relative estimate of the unit's encoding time (its characters), to deal the largest first. */
  cost: number;
}

/** The units of `texts`, in text order: chunks of `size` (the last one shorter). */
export function unitsOf(texts: readonly string[], size: number): EncodeUnit[] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`unit size must be a whole number ≥ 1, got ${size}`);
  const units: EncodeUnit[] = [];
  for (let start = 0; start < texts.length; start += size) {
    const end = Math.min(start + size, texts.length);
    let cost = 0;
    for (let k = start; k < end; k++) cost += texts[k]!.length;
    units.push({ start, end, cost });
  }
  return units;
}

/**
 * The order units are dealt in: largest first (ties in text order), so the last units to start are
 * the short ones and no worker is left with a long unit while the others idle at the end.
 */
export function dealingOrder(units: readonly EncodeUnit[]): EncodeUnit[] {
  return units
    .map((unit, k) => ({ unit, k }))
    .sort((a, b) => b.unit.cost - a.unit.cost || a.k - b.k)
    .map((x) => x.unit);
}

/**
 * Runs `units` on `lanes` lanes from one shared queue: each lane takes the next unit as soon as it
 * is done with its last, so a faster lane takes more. `onDone` gets each unit's result as it
 * completes (in completion order). The first failure stops the dealing (no lane takes another unit)
 * and rejects with that failure; units still running elsewhere are the caller's to stop.
 * `ready(lane)` is awaited before the lane's first unit (a worker that is still loading its model).
 */
export async function dealUnits<U, R>(
  units: readonly U[],
  lanes: number,
  run: (lane: number, unit: U) => Promise<R>,
  onDone: (unit: U, result: R, lane: number) => void,
  ready: (lane: number) => Promise<unknown> = async () => {},
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (id: number) => {
    await ready(id);
    while (!failed && next < units.length) {
      const unit = units[next++]!;
      const result = await run(id, unit);
      if (failed) return;
      onDone(unit, result, id);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(lanes, units.length) }, (_, id) =>
      lane(id).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
}
