/** The runner's driver on puppeteer-core (the default). */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { DeviceProfile } from '../devices';
import { OWN_SIGNALS, type BrowserDriver, type DriverBrowser, type DriverPage, type LaunchOptions } from './driver';

class PuppeteerPage implements DriverPage {
  readonly broken: Promise<string>;
  private scriptId: string | undefined;

  constructor(private readonly page: Page, private readonly dispose: () => Promise<void>) {
    this.broken = new Promise((resolve) => {
      page.once('error', (err) => resolve(`page crashed: ${err.message}`));
      page.once('close', () => resolve('page closed'));
    });
  }

  async setInitScript(source: string): Promise<void> {
    if (this.scriptId) await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
    this.scriptId = (await this.page.evaluateOnNewDocument(source)).identifier;
  }

  async setExtraHeaders(headers: Readonly<Record<string, string>>): Promise<void> {
    await this.page.setExtraHTTPHeaders({ ...headers });
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  }

  evaluate<T>(expression: string): Promise<T> {
    return this.page.evaluate(expression) as Promise<T>;
  }

  async expose(name: string, handler: (value: unknown) => void): Promise<void> {
    await this.page.exposeFunction(name, (value: unknown) => handler(value));
  }

  async crash(): Promise<void> {
    const session = await this.page.createCDPSession();
    await session.send('Page.crash').catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.dispose().catch(() => undefined);
  }
}

class PuppeteerBrowser implements DriverBrowser {
  constructor(private readonly browser: Browser) {}

  async newPage(device: DeviceProfile): Promise<DriverPage> {
    const context = await this.browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setViewport(device.viewport);
      await page.setUserAgent({ userAgent: device.userAgent });
      return new PuppeteerPage(page, () => context.close());
    } catch (err) {
      await context.close().catch(() => undefined);
      throw err;
    }
  }

  connected(): boolean {
    return this.browser.connected;
  }

  pid(): number | undefined {
    return this.browser.process()?.pid;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}

/**
 * Starts Chromium under puppeteer the way the runner does (the headless shell in its own mode); benches use it
 * too. `signals`: OWN_SIGNALS when the caller handles Ctrl-C itself, as the runner does.
 */
export function launchPuppeteer(opts: LaunchOptions, signals: Partial<typeof OWN_SIGNALS> = {}): Promise<Browser> {
  return puppeteer.launch({ executablePath: opts.executablePath, headless: opts.shell ? 'shell' : true, args: [...opts.args], ...signals });
}

export const puppeteerDriver: BrowserDriver = {
  name: 'puppeteer',
  async launch(opts: LaunchOptions) {
    return new PuppeteerBrowser(await launchPuppeteer(opts, OWN_SIGNALS));
  },
};
