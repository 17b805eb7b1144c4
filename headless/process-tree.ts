/**
 * The processes a process started, and theirs (Linux /proc): the runner's Chromium and its renderers, for the
 * memory figures of the benches and for checking that a killed runner leaves no browser behind.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Direct children of `pid` (none once it has ended). */
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

/** Every live descendant of `pid`, at any depth (not `pid` itself). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([pid]);
  const stack = children(pid);
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    out.push(next);
    stack.push(...children(next));
  }
  return out;
}
