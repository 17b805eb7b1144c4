import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCollectorProcess } from './collector-process';
import { ARENA_ENV, collectGarbage, trimMallocArenas } from './idle-memory';

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

describe('shoplab serve and its malloc arenas', () => {
  /** The environment the process runs with now (after any restart in place), as NAME=value entries. */
  const environment = (pid: number | undefined): string[] => readFileSync(`/proc/${String(pid)}/environ`, 'utf8').split('\0');

  async function withServe(env: NodeJS.ProcessEnv, check: (pid: number | undefined, url: string) => Promise<void>): Promise<void> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-arenas-'));
    try {
      // Resolves only once the process has printed its URL and token on the stdout this test holds, so a restart
      // that lost the standard streams fails here.
      const collector = await startCollectorProcess(dataDir, env);
      try {
        await check(collector.child.pid, collector.url);
      } finally {
        // A clean exit on SIGTERM: the signal reached the restarted program, under the pid its parent knows.
        expect(await collector.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('restarts itself in place with two arenas, keeping its pid and its standard streams', async () => {
    await withServe({ [ARENA_ENV]: '' }, async (pid, url) => {
      expect(environment(pid)).toContain(`${ARENA_ENV}=2`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  it('keeps the cap a run sets itself', async () => {
    await withServe({ [ARENA_ENV]: '4' }, async (pid) => {
      const caps = environment(pid).filter((entry) => entry.startsWith(`${ARENA_ENV}=`));
      expect(caps).toEqual([`${ARENA_ENV}=4`]);
    });
  });
});
