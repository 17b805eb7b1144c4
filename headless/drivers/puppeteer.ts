/** The runner's driver on puppeteer-core (the default). */
import puppeteer, { type Browser, type LaunchOptions as PuppeteerLaunchOptions, type Page } from 'puppeteer-core';
import { scaledMetrics, type DeviceProfile } from '../devices';
import { OWN_SIGNALS, type BrowserDriver, type DriverBrowser, type DriverPage, type LaunchOptions } from './driver';

class PuppeteerPage implements DriverPage {
  readonly broken: Promise<string>;
  private scriptId: string | undefined;

  constructor(
    private readonly page: Page,
    private readonly dispose: () => Promise<void>,
  ) {
    this.broken = new Promise((resolve) => {
      page.once('error', (err) => resolve(`page crashed: ${err.message}`));
      page.once('close', () => resolve('page closed'));
    });
  }

  async setInitScript(source: string): Promise<void> {
    if (this.scriptId) await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
    this.scriptId = (await this.page.evaluateOnNewDocument(source)).identifier;
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

  async newPage(device: DeviceProfile, opts: { saveData?: boolean } = {}): Promise<DriverPage> {
    const context = await this.browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const cdp = await page.createCDPSession();
      await page.setViewport(device.viewport);
      // Emulation, not page.setUserAgent: that goes through the Network domain, which the runner leaves off.
      await cdp.send('Emulation.setUserAgentOverride', { userAgent: device.userAgent });
      // setViewport's own metrics again, with the device's screen, drawn at RENDER_SCALE.
      await cdp.send('Emulation.setDeviceMetricsOverride', scaledMetrics(device));
      if (opts.saveData) await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
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
 * What the runner turns off in Puppeteer: the Network domain (half a dozen events per request, each serialized
 * by the browser and parsed and tracked by Puppeteer, which the runner never reads) and the Audits domain
 * (DevTools issues), a measurable share of a session's CPU (docs/runner.md). page.setUserAgent needs the
 * Network domain, hence the driver's own version (Emulation.setUserAgentOverride). The runner sends no extra
 * headers: a shopper's location reaches the collector in the hits' own `user_location` (see visit-script.ts).
 */
export const LEAN_CDP = { networkEnabled: false, issuesEnabled: false } as const;

/**
 * Starts Chromium under puppeteer (the headless shell in its own mode); benches use it too. `extra`: e.g.
 * OWN_SIGNALS when the caller handles Ctrl-C itself, LEAN_CDP as the runner does. DevTools goes over a pipe, as
 * with Playwright, not a WebSocket: Chromium then exits when the Node process dies however it dies (kill -9
 * included), instead of staying behind in its own process group.
 */
export function launchPuppeteer(opts: LaunchOptions, extra: Partial<typeof OWN_SIGNALS & typeof LEAN_CDP> = {}): Promise<Browser> {
  const launch: PuppeteerLaunchOptions = { executablePath: opts.executablePath, headless: opts.shell ? 'shell' : true, args: [...opts.args], pipe: true, ...extra };
  return puppeteer.launch(launch);
}

export const puppeteerDriver: BrowserDriver = {
  name: 'puppeteer',
  async launch(opts: LaunchOptions) {
    return new PuppeteerBrowser(await launchPuppeteer(opts, { ...OWN_SIGNALS, ...LEAN_CDP }));
  },
};
