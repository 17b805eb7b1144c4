/**
 * Memory of this process and every process it started (Chromium and its renderers), from /proc. Summed as PSS
 * (proportional set size): RSS would count the pages Chromium's processes share once per process.
 */
import { readFileSync } from 'node:fs';
import { descendants } from '../headless/process-tree';

/**
 * A `Field:   N kB` line of a /proc file of `pid`, in bytes; 0 once the process has ended. `Pss` of smaps_rollup
 * walks the process's mappings; `VmRSS` of status is one of the kernel's counters, so reading it walks nothing.
 */
function procBytes(pid: number, file: 'smaps_rollup' | 'status', field: 'Pss' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const pssBytes = (pid: number): number => procBytes(pid, 'smaps_rollup', 'Pss');
/** Resident memory of one process in bytes (0 once it has ended); reads one kernel counter, walks nothing. */
export const rssBytes = (pid: number): number => procBytes(pid, 'status', 'VmRSS');

export function treePss(root: number = process.pid): number {
  return [root, ...descendants(root)].reduce((total, pid) => total + pssBytes(pid), 0);
}

export interface PeakMemory {
  /** Peak PSS of the tree, in bytes, read at the moments its summed RSS reached a new high (see samplePeakMemory). */
  pss: number;
  /** Peak of the tree's summed RSS, in bytes: an upper bound of its PSS at every sample, since PSS ≤ RSS per process. */
  rssSum: number;
}

/**
 * Samples the tree's memory every `everyMs` until stopped. Reading PSS is not cheap: smaps_rollup walks every
 * mapping of a process, ≈ 2–4 ms of CPU per Chromium process and ≈ 50 ms for a runner's tree of 17, blocking this
 * thread meanwhile. Read every 250 ms, it took about a tenth of a two-core machine and made the runner it measured
 * ≈ 15 % slower. So each sample reads only the RSS counters (`status`, under a millisecond for the tree), and the
 * PSS is read when the summed RSS has grown by more than 1 % since the last PSS reading, at most once per
 * `pssEveryMs`, and once at the end. Both peaks are returned: the PSS one, and the summed RSS that bounds it from
 * above.
 */
export function samplePeakMemory(everyMs = 250, pssEveryMs = 1000): { stop(): PeakMemory } {
  let pids = [process.pid, ...descendants(process.pid)];
  let tick = 0;
  const rssNow = (): number => pids.reduce((total, pid) => total + rssBytes(pid), 0);
  let rssSum = rssNow();
  let pss = treePss();
  let rssAtPss = rssSum;
  let pssAt = Date.now();
  const timer = setInterval(() => {
    // The process list changes slowly (a page replaced, a renderer started); walking /proc for it costs ≈ 3 ms.
    if (++tick % 4 === 0) pids = [process.pid, ...descendants(process.pid)];
    const rss = rssNow();
    rssSum = Math.max(rssSum, rss);
    if (rss > rssAtPss * 1.01 && Date.now() - pssAt >= pssEveryMs) {
      pss = Math.max(pss, treePss());
      rssAtPss = rss;
      pssAt = Date.now();
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      pids = [process.pid, ...descendants(process.pid)];
      return { pss: Math.max(pss, treePss()), rssSum: Math.max(rssSum, rssNow()) };
    },
  };
}
