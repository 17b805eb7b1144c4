/**
 * The runner's driver on playwright-core. Playwright has no way to remove an init script, so the per-visit
 * script goes through a CDP session of the page (Chromium only, which is the only browser the runner uses).
 */
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { deviceScreen, scaledMetrics, type DeviceProfile } from '../devices';
import { OWN_SIGNALS, type BrowserDriver, type DriverBrowser, type DriverPage, type LaunchOptions } from './driver';

class PlaywrightPage implements DriverPage {
  readonly broken: Promise<string>;
  private scriptId: string | undefined;

  constructor(
    private readonly page: Page,
    private readonly cdp: CDPSession,
  ) {
    this.broken = new Promise((resolve) => {
      page.once('crash', () => resolve('page crashed'));
      page.once('close', () => resolve('page closed'));
    });
  }

  async setInitScript(source: string): Promise<void> {
    if (this.scriptId) await this.cdp.send('Page.removeScriptToEvaluateOnNewDocument', { identifier: this.scriptId });
    this.scriptId = (await this.cdp.send('Page.addScriptToEvaluateOnNewDocument', { source })).identifier;
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  }

  evaluate<T>(expression: string): Promise<T> {
    return this.page.evaluate<T>(expression);
  }

  async expose(name: string, handler: (value: unknown) => void): Promise<void> {
    await this.page.exposeFunction(name, (value: unknown) => handler(value));
  }

  async crash(): Promise<void> {
    await this.cdp.send('Page.crash').catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.page.context().close().catch(() => undefined);
  }
}

class PlaywrightBrowser implements DriverBrowser {
  constructor(
    private readonly browser: Browser,
    private readonly browserPid: number | undefined,
  ) {}

  async newPage(device: DeviceProfile, opts: { saveData?: boolean } = {}): Promise<DriverPage> {
    const { width, height } = device.viewport;
    const context = await this.browser.newContext({
      viewport: { width, height },
      deviceScaleFactor: device.viewport.deviceScaleFactor,
      isMobile: device.viewport.isMobile,
      hasTouch: device.viewport.hasTouch,
      screen: deviceScreen(device),
      userAgent: device.userAgent,
    });
    try {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Page.enable');
      // Playwright's own metrics for the context, drawn at RENDER_SCALE.
      await cdp.send('Emulation.setDeviceMetricsOverride', scaledMetrics(device));
      if (opts.saveData) await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
      return new PlaywrightPage(page, cdp);
    } catch (err) {
      await context.close().catch(() => undefined);
      throw err;
    }
  }

  connected(): boolean {
    return this.browser.isConnected();
  }

  pid(): number | undefined {
    return this.browserPid;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}

export const playwrightDriver: BrowserDriver = {
  name: 'playwright',
  async launch(opts: LaunchOptions) {
    // launchServer would give the pid but costs a websocket hop; read it from the launched process list instead.
    const browser = await chromium.launch({ executablePath: opts.executablePath, headless: true, args: [...opts.args], ...OWN_SIGNALS });
    return new PlaywrightBrowser(browser, undefined);
  },
};
