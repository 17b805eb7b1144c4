/**
 * Layered fixtures: one real server (built store + collector + DuckDB file) per worker on a free port, and a
 * test-scoped page whose failed same-origin requests fail the test.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer } from '../collector/server';
import type { SimHookInit } from '../ga4/sim-hook';
import { simHookScript } from '../headless/runner';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import type { JsonValue } from '../warehouse/duckdb-types';

export const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');

interface WorkerFixtures {
  server: RunningServer;
}

interface TestFixtures {
  failedRequests: string[];
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'shoplab-e2e-'));
      const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: PUBLIC_DIR });
      await use(server);
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  failedRequests: [
    async ({ page, server }, use) => {
      const failed: string[] = [];
      page.on('requestfailed', (r) => {
        if (!r.url().startsWith(server.url)) return;
        const error = r.failure()?.errorText ?? '';
        // The tag sends hits with fetch keepalive, which the browser completes after the page navigates away;
        // Chromium still reports the page's side of such a request as aborted. Not a failure of ours.
        if (error === 'net::ERR_ABORTED' && r.method() === 'POST' && new URL(r.url()).pathname === '/mp/collect') return;
        failed.push(`${r.url()} ${error}`);
      });
      page.on('response', (r) => {
        if (r.url().startsWith(server.url) && r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
      });
      await use(failed);
      expect(failed, 'failed requests to the store or collector').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export async function simulate(page: Page, params: SimulateParams): Promise<SimulateResult> {
  return page.evaluate((p) => window.simulateUser!(p), params);
}

export type SessionStart = SimHookInit & { startTime: number };

/**
 * Opens the store in a fresh browser context the way the runner does: the simulator hook is installed before
 * the page loads, so the landing page's events belong to the session and carry its virtual time.
 */
export async function openStore(browser: Browser, server: RunningServer, start: SessionStart): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext();
  await context.addInitScript(simHookScript(start));
  const page = await context.newPage();
  await page.goto(server.url + '/');
  await page.waitForFunction(() => typeof window.simulateUser === 'function');
  return { page, context };
}

export type Row = Record<string, JsonValue>;

export function param(row: Row, key: string): JsonValue | undefined {
  const params = row.event_params as { key: string; value: Record<string, JsonValue> }[] | null;
  const v = params?.find((p) => p.key === key)?.value;
  if (!v) return undefined;
  return v.string_value ?? v.int_value ?? v.double_value ?? v.float_value ?? null;
}
