/**
 * `npm run screenshots`: renders every page type of the built store at phone and desktop widths into
 * screenshots/ (git-ignored), for a person to look over. Needs a build (`npm run build`).
 * Usage: npx tsx scripts/screenshots.ts [--out DIR]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { startServer } from '../collector/server';
import { chromiumPath, CHROMIUM_ARGS } from '../headless/chromium';

const root = join(import.meta.dirname, '..');
const outArg = process.argv.indexOf('--out');
const outDir = resolve(outArg > 0 ? (process.argv[outArg + 1] ?? 'screenshots') : join(root, 'screenshots'));
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
const PRODUCT = '/product/trailpeak-alpine-running-vest-00004/';

async function settled(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n: number) => Number(document.documentElement.dataset.shoplabNav ?? '0') > n, {}, before);
}

async function nav(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.documentElement.dataset.shoplabNav ?? '0'));
}

async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'networkidle0' });
  await settled(page, 0);
}

/** Clicks an element found by role and name (as a person would), then waits for the route it opens. */
async function follow(page: Page, selector: string): Promise<void> {
  const before = await nav(page);
  await page.locator(selector).click();
  await settled(page, before);
}

async function shoot(page: Page, name: string, width: keyof typeof WIDTHS): Promise<void> {
  const file = join(outDir, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(file);
}

async function run(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'shoplab-shots-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: join(root, 'public'), log: () => undefined });
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true });
  try {
    for (const width of Object.keys(WIDTHS) as (keyof typeof WIDTHS)[]) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport(WIDTHS[width]);
      const u = (p: string): string => server.url + p;
      for (const [name, path] of [
        ['home', '/'],
        ['category', '/category/kitchen-cooking/'],
        ['product', PRODUCT],
        ['search', '/search/?q=tent'],
        ['search-no-results', '/search/?q=zzzz'],
        ['signup', '/signup/'],
        ['login', '/login/'],
        ['not-found', '/no/such/page/'],
        ['cart-empty', '/cart/'],
      ] as const) {
        await visit(page, u(path));
        await shoot(page, name, width);
      }
      await visit(page, u('/signup/'));
      await page.locator('::-p-aria(Name)').fill('Screen Shot');
      await page.locator('::-p-aria(Email)').fill(`shots-${width}@example.test`);
      await page.locator('::-p-aria(Password)').fill('a long password');
      await follow(page, '::-p-aria(Create account[role="button"])');
      await visit(page, u(PRODUCT));
      await page.locator('::-p-aria(Add to wishlist[role="button"])').click();
      await page.locator('::-p-aria(Add to cart[role="button"])').click();
      await page.waitForSelector('[data-shoplab="cart-link"][data-cart-count="1"]');
      await follow(page, '[data-shoplab="cart-link"]');
      await shoot(page, 'cart', width);
      await follow(page, '::-p-aria(Checkout[role="link"])');
      for (const [label, value] of [['Full name', 'Screen Shot'], ['Email', 'shots@example.test'], ['Address', '1 Pixel Way'], ['City', 'Render'], ['Postal code', '10101']]) {
        await page.locator(`::-p-aria(${label}[role="textbox"])`).fill(value!);
      }
      await shoot(page, 'checkout-address', width);
      for (const [step, button] of [['shipping', 'Continue to shipping method'], ['payment', 'Continue to payment'], ['review', 'Review order']]) {
        await page.locator(`::-p-aria(${button}[role="button"])`).click();
        await page.waitForSelector(`main[data-checkout-step="${step}"]`);
        await shoot(page, `checkout-${step}`, width);
      }
      await follow(page, '::-p-aria(Place order[role="button"])');
      await shoot(page, 'order', width);
      await follow(page, 'nav ::-p-aria(Wishlist[role="link"])');
      await shoot(page, 'wishlist', width);
      await follow(page, 'nav ::-p-aria(Account[role="link"])');
      await shoot(page, 'account', width);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run();
