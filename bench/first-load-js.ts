/**
 * Loads one page of the built store in Chromium, served by the real collector/static server, and sums the
 * JavaScript it fetched: bytes on the wire (CDP encodedDataLength) and decoded size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startServer } from '../collector/server';
import { chromiumPath, CHROMIUM_ARGS } from '../headless/chromium';

export interface JsBytes {
  transferred: number;
  decoded: number;
  files: number;
}

/** Scripts only: the in-page engine bundle (/shoplab-simulator.js) is a tool, not the store, so it is left out. */
export async function firstLoadJs(publicDir: string, path = '/'): Promise<JsBytes> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shoplab-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir, log: () => undefined });
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true });
  try {
    const page = await browser.newPage();
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    const scripts = new Map<string, string>();
    const sizes: JsBytes = { transferred: 0, decoded: 0, files: 0 };
    cdp.on('Network.responseReceived', (e) => {
      if (e.type === 'Script' && !e.response.url.includes('shoplab-simulator')) scripts.set(e.requestId, e.response.url);
    });
    cdp.on('Network.dataReceived', (e) => {
      if (scripts.has(e.requestId)) sizes.decoded += e.dataLength;
    });
    cdp.on('Network.loadingFinished', (e) => {
      if (!scripts.has(e.requestId)) return;
      sizes.transferred += e.encodedDataLength;
      sizes.files += 1;
    });
    await page.goto(server.url + path, { waitUntil: 'networkidle0' });
    await page.waitForFunction(() => Number(document.documentElement.dataset.shoplabNav ?? '0') >= 1);
    return sizes;
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
