import AxeBuilder from '@axe-core/playwright';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');

/**
 * The insights report as a marketer opens it: a real run, `shoplab train` and `shoplab report` through the CLI,
 * then the file straight from disk in Chromium with every network request refused.
 */
test('the insights report opens from disk with no network, draws every chart, logs no error and passes axe', async ({ page }, testInfo) => {
  test.setTimeout(1_800_000);
  const data = mkdtempSync(join(tmpdir(), 'shoplab-report-'));
  try {
    const cli = (...args: string[]): Promise<{ stdout: string }> => run(process.execPath, [BIN, ...args, '--data', data], { timeout: 1_500_000, maxBuffer: 64 * 1024 * 1024 });
    await cli('simulate', '--users', '30', '--days', '14', '--seed', 'report-e2e', '--concurrency', '2');
    await cli('train', '--seed', 'report');
    const file = (await cli('report')).stdout.trim();
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script[^>]+src=/);

    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route(/^(?!file:)/, async (route) => {
      requests.push(route.request().url());
      await route.abort();
    });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(pathToFileURL(file).href);
    await expect(page.locator('body')).toHaveAttribute('data-rendered', 'true', { timeout: 60_000 });
    await expect(page.getByRole('heading', { level: 1, name: 'ShopLab insights' })).toBeVisible();
    for (const name of ['Funnel', 'RFM segments', 'Engagement segments', 'Purchase propensity', 'Recommendation quality', 'Personas: confusion matrices', 'What the data suggests changing in the store', 'Scorecard']) {
      await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
    }
    for (const id of ['funnel', 'scatter', 'propensity', 'reliability', 'recs']) {
      const canvas = page.locator(`canvas#${id}`);
      await expect(canvas).toHaveAttribute('role', 'img');
      // A drawn Chart.js canvas has been sized by the library and holds non-blank pixels.
      const painted = await canvas.evaluate((c: HTMLCanvasElement) => {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0 || c.height === 0) return false;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) return true;
        return false;
      });
      expect(painted, id).toBe(true);
    }
    await expect(page.getByRole('table', { name: /Every metric on held-out data beside its baseline/ })).toBeVisible();
    const shot = await page.screenshot({ fullPage: true });
    await testInfo.attach('insights-report', { body: shot, contentType: 'image/png' });
    expect(shot.length).toBeGreaterThan(10_000);

    const axe = await new AxeBuilder({ page }).analyze();
    const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
