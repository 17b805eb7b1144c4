import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectGarbage, trimMallocArenas } from './idle-memory';

const MIB = 1024 * 1024;
const rss = (): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

describe('idle memory', () => {
  it('runs a full collection of this thread', () => {
    expect(collectGarbage()).toBe(true);
  });

  // glibc gives a heap's free pages back on its own only from the top: memory freed below a live block stays
  // resident until malloc_trim. This builds that state on purpose and checks the trim returns it.
  it('hands free pages below a live allocation back to the system (glibc malloc_trim)', async () => {
    expect(process.platform, 'this project runs its servers on Linux with glibc').toBe('linux');
    // Small backing stores come from malloc's heap (large ones would be mmapped and returned on free anyway).
    const blocks = Array.from({ length: 24_000 }, () => Buffer.allocUnsafeSlow(8 * 1024).fill(1));
    const keep = Buffer.allocUnsafeSlow(8 * 1024).fill(2);
    blocks.length = 0;
    expect(collectGarbage()).toBe(true);
    const before = rss();
    expect(await trimMallocArenas()).toBe(true);
    const after = rss();
    expect(keep[0]).toBe(2);
    // ~190 MB were freed; a trim that does nothing leaves RSS where it was.
    expect(before - after, `RSS ${Math.round(before / MIB)} → ${Math.round(after / MIB)} MiB`).toBeGreaterThan(64 * MIB);
  });
});
