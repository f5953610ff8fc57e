// Node side of `npm run bench:models`, one model per process (so memory figures are this model's):
// loads a hub id through the hub URL layout (hubUrl) with the Node entry's SparseEncoder
// (onnxruntime-node), encodes passages, disposes, loads again. Prints one line: RESULT <json>.
//   npx tsx bench/models-node.ts '{"id":"naver/splade-v3","hubUrl":"http://127.0.0.1:1234",
//                                  "corpus":"git-doc","docs":16,"warmup":2}'
// Peak RSS is the kernel's high-water mark (VmHWM), reset between phases through /proc/self/clear_refs;
// heap, external and ArrayBuffer figures are process.memoryUsage() sampled every 20 ms (synchronous
// work, such as building the graph, is sampled only at its ends).
import { readFileSync, writeFileSync } from 'node:fs';
import { SparseEncoder } from '../src/node.ts';
import { nodeRuntime } from '../src/runtime/node.ts';
import { benchDocuments, koreanBenchDocuments } from './corpus.mjs';
import { encodeMeasured, loadMeasured, timedRuntime } from './models-common.ts';

interface Job {
  id: string;
  hubUrl: string;
  corpus: 'git-doc' | 'gimp-help-ko';
  docs: number;
  warmup: number;
  secondLoad?: boolean;
}

const job = JSON.parse(process.argv[2] ?? '') as Job;
const timed = timedRuntime(nodeRuntime);
class TimedEncoder extends SparseEncoder {
  static override get runtime() {
    return timed.runtime;
  }
}

function kernelMemory(): { rss: number; peakRss: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/** Peak memory over one phase. */
function memoryPhase() {
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := current RSS
  } catch {
    // not Linux: the peak RSS is then the process's so far
  }
  const peak = { heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    peak.rss = Math.max(peak.rss, m.rss);
  };
  sample();
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    sample();
    const kernel = kernelMemory();
    return {
      peakRss: Math.max(peak.rss, kernel.peakRss),
      peakHeapUsed: peak.heapUsed,
      peakExternal: peak.external,
      peakArrayBuffers: peak.arrayBuffers,
    };
  };
}

async function served(): Promise<{ bytes: number; requests: number; notModified: number }> {
  return (await fetch(`${job.hubUrl}/__stats`)).json() as never;
}

const passages = job.corpus === 'gimp-help-ko' ? koreanBenchDocuments : benchDocuments;
const { source, texts: all } = passages(job.docs + job.warmup);
const warmup = all.slice(0, job.warmup);
const texts = all.slice(job.warmup);
const options = { hubUrl: job.hubUrl, device: 'cpu' as const };

const startRss = kernelMemory().rss;
let before = await served();
let endPhase = memoryPhase();
const first = await loadMeasured(TimedEncoder, timed.sessionMs, job.id, options);
const loadMemory = endPhase();
let after = await served();
const load = { ...first.figures, servedBytes: after.bytes - before.bytes, requests: after.requests - before.requests };

endPhase = memoryPhase();
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const encode = await encodeMeasured(first.encoder, texts, warmup, cpuSeconds);
const encodeMemory = endPhase();
await first.encoder.dispose();

let secondLoad;
if (job.secondLoad !== false) {
  before = await served();
  const second = await loadMeasured(TimedEncoder, timed.sessionMs, job.id, options);
  after = await served();
  secondLoad = {
    ...second.figures,
    servedBytes: after.bytes - before.bytes,
    requests: after.requests - before.requests,
    notModified: after.notModified - before.notModified,
  };
  await second.encoder.dispose();
}

console.log(
  `RESULT ${JSON.stringify({
    corpus: source,
    startRss,
    load,
    loadMemory,
    encode,
    encodeMemory,
    secondLoad,
  })}`,
);
