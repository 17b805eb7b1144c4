/**
 * Memory of this process and every process it started (Chromium and its renderers), from /proc. Summed as PSS
 * (proportional set size): RSS would count the pages Chromium's processes share once per process.
 */
import { readFileSync } from 'node:fs';
import { descendants } from '../headless/process-tree';

function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function treePss(root: number = process.pid): number {
  return [root, ...descendants(root)].reduce((total, pid) => total + pssBytes(pid), 0);
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
