/** Hostile run ids never reach a file path or a query: the CLI and the runner refuse them with a one-line reason. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { journalPath } from '../headless/journal';
import { simulateCommand } from './simulate';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const root = mkdtempSync(join(tmpdir(), 'shoplab-runid-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOSTILE: [string, RegExp][] = [
  ['../../x%_', /may hold only letters, digits, '\.', '_' and '-'/],
  ['', /must not be empty/],
  ['r'.repeat(65), /65 characters long; at most 64/],
];

describe('hostile run ids', { timeout: 600_000 }, () => {
  it('are refused by `shoplab simulate --run-id` in one line, exit 1, with nothing written', async () => {
    const data = join(root, 'cli', 'data');
    const results = await Promise.all(
      HOSTILE.map(([id]) =>
        run(process.execPath, [BIN, 'simulate', '--run-id', id, '--users', '1', '--dry-run', '--data', data], { timeout: 300_000 }).then(
          () => ({ code: 0, stderr: '' }),
          (e: { code: number; stderr: string }) => e,
        ),
      ),
    );
    results.forEach((r, i) => {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(HOSTILE[i]![1]);
      expect(r.stderr).toMatch(/^shoplab: option '--run-id <id>' argument '.*' is invalid\. (a )?run id/m);
    });
    expect(existsSync(data)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('are refused by the runner and the journal before any path is built', async () => {
    for (const [id, reason] of HOSTILE) {
      await expect(simulateCommand({ users: 1, concurrency: 1, seed: 's', data: join(root, 'data'), runId: id, dryRun: true })).rejects.toThrow(reason);
      expect(() => journalPath(join(root, 'data'), id, '1/1')).toThrow(reason);
    }
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(existsSync(resolve(root, '..', 'x%_.jsonl'))).toBe(false);
  });
});
