/**
 * Memory of this process and every process it started (Chromium and its renderers), from /proc. Summed as PSS
 * (proportional set size): RSS would count the pages Chromium's processes share once per process.
 */
import { readdirSync, readFileSync } from 'node:fs';

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // The task ended while we looked.
    }
  }
  return out;
}

function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function treePss(root: number = process.pid): number {
  let total = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += pssBytes(pid);
    stack.push(...children(pid));
  }
  return total;
}

/** Samples the tree's PSS every `everyMs` until stopped; returns the peak in bytes. */
export function samplePeakMemory(everyMs = 250): { stop(): number } {
  let peak = treePss();
  const timer = setInterval(() => {
    peak = Math.max(peak, treePss());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treePss());
    },
  };
}
