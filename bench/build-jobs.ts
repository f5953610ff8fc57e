// `splade-web build --jobs n` against --jobs 1 (issue 20 §3): the encode stage's rate on the same
// pages of git-doc, each configuration in its own process (a fresh vector cache, so every section is
// encoded), rounds interleaved so a load change on the shared machine hits all of them alike; the
// best round of each counts. Configurations: --jobs 1 (the main thread; onnxruntime-node's default
// intra-op threads), --jobs 1 on one core (taskset -c 0 and one intra-op thread: what a one-core
// machine runs, the single-core rate the target is against), and each --jobs n asked for.
// Also each run's peak RSS (main thread + workers: one process), the load average before and after
// it, and each thread's CPU time over the encode stage with the idle-machine rate it models.
// Writes bench/results/build-jobs.json.
//
//   npx tsx bench/build-jobs.ts [--site /usr/share/doc/git-doc] [--pages 40] [--model <folder|hub id>]
//                               [--jobs 2] [--rounds 3] [--batch-size 64] [--no-single-core]
//                               [--out bench/results/build-jobs.json]
//
// (npm run bench:build). The machine is shared: the load average says how much of it this had.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { build } from '../src/cli/build.ts';
import { SparseEncoder } from '../src/node.ts';
import { nodeRuntimeWith } from '../src/runtime/node.ts';

const { values: args } = parseArgs({
  options: {
    site: { type: 'string', default: '/usr/share/doc/git-doc' },
    pages: { type: 'string', default: '40' },
    model: { type: 'string' },
    jobs: { type: 'string', default: String(availableParallelism()) },
    rounds: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '64' },
    'no-single-core': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/build-jobs.json' },
    // One measured build in this process (the parent runs each configuration so).
    child: { type: 'string' },
  },
});

interface Run {
  config: string;
  round: number;
  sections: number;
  encoded: number;
  encodeSeconds: number;
  sectionsPerSecond: number;
  seconds: number;
  /** CPU time of the whole build, every thread: against `seconds`, the cores it got. */
  cpuSeconds: number;
  /** CPU seconds of each busy thread over the encode stage, largest first (main, workers, ORT's pool). */
  encodeThreadCpuSeconds: number[];
  /**
   * The encode stage's rate on an idle machine of `cores` cores, modelled from its threads' CPU time
   * (load on a shared machine stretches wall time, much less the CPU time work takes): one core does
   * all of it in turn; on more, the stage takes at least its busiest thread and its total over the cores.
   */
  idleRateEstimate: number;
  peakRssMiB: number;
  loadBefore: number[];
  loadAfter: number[];
}

if (args.child !== undefined) {
  // The child: one build of the prepared site with a fresh cache; its figures as one JSON line.
  const { site, jobs, work, oneThread } = JSON.parse(args.child) as {
    site: string;
    jobs: number;
    work: string;
    oneThread?: boolean;
  };
  // What a one-core machine runs: onnxruntime's default intra-op pool is sized by the machine's
  // cores, not by taskset's affinity, and its spinning second thread would share the one core.
  if (oneThread) {
    const runtime = nodeRuntimeWith({ intraOpNumThreads: 1 });
    Object.defineProperty(SparseEncoder, 'runtime', { get: () => runtime });
  }
  const sampler = startCpuSampler();
  let encodeEnd = 0;
  const cpuBefore = process.cpuUsage();
  const summary = await build({
    site,
    out: join(work, 'out'),
    cache: join(work, 'cache'),
    jobs,
    batchSize: Number(args['batch-size']),
    ...(args.model ? { model: args.model } : {}),
    log: (line) => {
      if (/^(encoded|all) /.test(line)) encodeEnd = Date.now();
    },
  });
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const cpu = process.cpuUsage(cpuBefore);
  const stageThreads = await sampler.threadCpuBetween(encodeEnd - summary.encodeSeconds * 1000, encodeEnd);
  process.stdout.write(
    `${JSON.stringify({
      sections: summary.sections,
      encoded: summary.encoded,
      encodeSeconds: summary.encodeSeconds,
      seconds: summary.seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      encodeThreadCpuSeconds: stageThreads,
      peakRssMiB,
    })}\n`,
  );
  process.exit(0);
}

/**
 * Every thread's CPU seconds (Linux /proc, 100 ticks a second), sampled every 50 ms by a thread of
 * its own: the main thread is blocked inside onnxruntime for a batch at a time, and an encode
 * worker's thread is gone once it ends, so neither could be read afterwards. `threadCpuBetween`
 * gives each busy thread's CPU seconds between two Date.now() times, largest first.
 */
function startCpuSampler(): { threadCpuBetween(from: number, to: number): Promise<number[]> } {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { readdirSync, readFileSync } = require('node:fs');
    const samples = [];
    const sample = () => {
      const cpu = {};
      for (const tid of readdirSync('/proc/self/task')) {
        try {
          const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          cpu[tid] = (Number(f[11]) + Number(f[12])) / 100;
        } catch {}
      }
      samples.push({ t: Date.now(), cpu });
    };
    sample();
    const timer = setInterval(sample, 50);
    parentPort.on('message', ({ from, to }) => {
      sample();
      clearInterval(timer);
      // Each thread: its last reading at or before 'from' (0 if it started later) to its last up to 'to'.
      const before = {}, after = {};
      for (const s of samples) {
        for (const [tid, v] of Object.entries(s.cpu)) {
          if (s.t <= from) before[tid] = v;
          if (s.t <= to + 50) after[tid] = v;
        }
      }
      const used = Object.entries(after).map(([tid, v]) => v - (before[tid] ?? 0)).filter((v) => v > 0.05);
      parentPort.postMessage(used.sort((a, b) => b - a));
      parentPort.close();
    });
  `;
  const worker = new Worker(code, { eval: true });
  return {
    threadCpuBetween: (from, to) =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage({ from, to });
      }),
  };
}

const work = mkdtempSync(join(tmpdir(), 'splade-build-jobs-'));
const site = join(work, 'site');
mkdirSync(site);
if (!existsSync(args.site)) throw new Error(`${args.site} does not exist: apt-get install -y git-doc`);
const pages = readdirSync(args.site)
  .filter((f) => f.endsWith('.html'))
  .sort()
  .slice(0, Number(args.pages));
for (const page of pages) copyFileSync(join(args.site, page), join(site, page));

const jobsList = args.jobs.split(',').map(Number);
const configs: { name: string; jobs: number; pin?: string }[] = [{ name: 'jobs-1', jobs: 1 }];
if (!args['no-single-core'] && existsSync('/usr/bin/taskset'))
  configs.push({ name: 'jobs-1-one-core', jobs: 1, pin: '0' });
for (const jobs of jobsList) if (jobs > 1) configs.push({ name: `jobs-${jobs}`, jobs });

const tsx = import.meta.resolve('tsx');
const runs: Run[] = [];
for (let round = 1; round <= Number(args.rounds); round++) {
  // Interleaved, and the order turned each round, so no configuration always runs first.
  const order = round % 2 ? configs : [...configs].reverse();
  for (const config of order) {
    const dir = join(work, `${config.name}-${round}`);
    const argv = [
      '--import',
      tsx,
      resolve('bench/build-jobs.ts'),
      '--child',
      JSON.stringify({ site, jobs: config.jobs, work: dir, oneThread: config.pin !== undefined }),
    ];
    argv.push('--batch-size', args['batch-size']);
    if (args.model) argv.push('--model', args.model);
    const command = config.pin ? ['taskset', '-c', config.pin, process.execPath, ...argv] : [process.execPath, ...argv];
    const loadBefore = loadavg();
    const child = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
    const loadAfter = loadavg();
    rmSync(dir, { recursive: true, force: true });
    if (child.status !== 0) throw new Error(`${config.name} failed (${child.status}):\n${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Omit<
      Run,
      'config' | 'round' | 'loadBefore' | 'loadAfter' | 'sectionsPerSecond' | 'idleRateEstimate'
    >;
    const cores = config.pin ? 1 : availableParallelism();
    const threadCpu = r.encodeThreadCpuSeconds;
    const total = threadCpu.reduce((a, b) => a + b, 0);
    const idleSeconds = cores === 1 ? total : Math.max(threadCpu[0] ?? 0, total / cores);
    const run: Run = {
      config: config.name,
      round,
      ...r,
      sectionsPerSecond: r.encoded / r.encodeSeconds,
      idleRateEstimate: r.encoded / idleSeconds,
      loadBefore,
      loadAfter,
    };
    runs.push(run);
    console.log(
      `round ${round} ${config.name.padEnd(16)} ${run.encoded} sections in ${run.encodeSeconds.toFixed(1)} s: ` +
        `${run.sectionsPerSecond.toFixed(2)}/s (${(total / run.encodeSeconds).toFixed(2)} cores; thread CPU s ` +
        `${threadCpu.map((c) => c.toFixed(1)).join(' ')}: idle estimate ${run.idleRateEstimate.toFixed(2)}/s), ` +
        `peak RSS ${run.peakRssMiB.toFixed(0)} MiB, ` +
        `load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    );
  }
}
rmSync(work, { recursive: true, force: true });

const best = Object.fromEntries(
  configs.map((c) => {
    const mine = runs.filter((r) => r.config === c.name);
    const top = mine.reduce((a, b) => (b.sectionsPerSecond > a.sectionsPerSecond ? b : a));
    const rates = mine.map((r) => r.sectionsPerSecond).sort((a, b) => a - b);
    const estimates = mine.map((r) => r.idleRateEstimate).sort((a, b) => a - b);
    return [
      c.name,
      {
        best: top.sectionsPerSecond,
        median: rates[rates.length >> 1]!,
        idleRateEstimate: estimates[estimates.length >> 1]!,
        peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
      },
    ];
  }),
);
const ratios: Record<string, number> = {};
for (const jobs of jobsList.filter((j) => j > 1)) {
  ratios[`jobs-${jobs} / jobs-1`] = best[`jobs-${jobs}`]!.best / best['jobs-1']!.best;
  if (best['jobs-1-one-core'])
    ratios[`jobs-${jobs} / one core`] = best[`jobs-${jobs}`]!.best / best['jobs-1-one-core'].best;
  ratios[`idle estimate: jobs-${jobs} / jobs-1`] =
    best[`jobs-${jobs}`]!.idleRateEstimate / best['jobs-1']!.idleRateEstimate;
  if (best['jobs-1-one-core'])
    ratios[`idle estimate: jobs-${jobs} / one core`] =
      best[`jobs-${jobs}`]!.idleRateEstimate / best['jobs-1-one-core'].idleRateEstimate;
}
const result = {
  model: args.model ?? 'public/models/splade-tiny-en-if (bundled)',
  corpus: `${args.site}: the first ${pages.length} pages`,
  sections: runs[0]?.sections,
  encoded: runs[0]?.encoded,
  batchSize: Number(args['batch-size']),
  rounds: Number(args.rounds),
  machine: {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
  },
  best,
  ratios,
  runs,
};
mkdirSync(resolve(args.out, '..'), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
console.log('\nbest of rounds (sections/s):');
for (const [name, b] of Object.entries(best))
  console.log(
    `  ${name.padEnd(16)} ${b.best.toFixed(2)} (median ${b.median.toFixed(2)}; idle estimate ${b.idleRateEstimate.toFixed(2)}), peak RSS ${b.peakRssMiB.toFixed(0)} MiB`,
  );
for (const [name, r] of Object.entries(ratios)) console.log(`  ${name}: ${r.toFixed(2)}x`);
console.log(`wrote ${args.out}`);
