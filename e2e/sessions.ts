/**
 * Many simulated sessions on the built store for statistical tests: each in a fresh browser context with the
 * persona's device (viewport and user agent, as the runner sets them) and the simulator hook installed before
 * the page loads; a few run at once.
 */
import type { Browser } from '@playwright/test';
import type { RunningServer } from '../collector/server';
import { DEVICE_PROFILES } from '../headless/devices';
import { simHookScript } from '../headless/runner';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import type { Persona } from '../simulator/personas';

export interface SessionSpec {
  persona: Persona;
  seed: string;
  startTime: number;
  params?: Partial<SimulateParams>;
  runId?: string;
}

export async function runSession(browser: Browser, server: RunningServer, spec: SessionSpec): Promise<SimulateResult> {
  const device = DEVICE_PROFILES[spec.persona.demographics.device];
  const context = await browser.newContext({
    viewport: { width: device.viewport.width, height: device.viewport.height },
    deviceScaleFactor: device.viewport.deviceScaleFactor,
    isMobile: device.viewport.isMobile,
    hasTouch: device.viewport.hasTouch,
    userAgent: device.userAgent,
  });
  try {
    await context.addInitScript(simHookScript({ startTime: spec.startTime, ...(spec.runId ? { runId: spec.runId } : {}) }));
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.waitForFunction(() => typeof window.simulateUser === 'function');
    const params: SimulateParams = { seed: spec.seed, persona: spec.persona, pace: 'virtual', ...spec.params };
    return await page.evaluate((p) => window.simulateUser!(p), params);
  } finally {
    await context.close();
  }
}

export async function runSessions(browser: Browser, server: RunningServer, specs: SessionSpec[], concurrency = 3): Promise<SimulateResult[]> {
  const out = new Array<SimulateResult>(specs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const i = next++;
      out[i] = await runSession(browser, server, specs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return out;
}

/** A persona for effect tests: average in everything, no bounce, so that only the varied field differs. */
export function testPersona(id: string, over: Omit<Partial<Persona>, 'traits'> & { traits?: Partial<Persona['traits']> } = {}): Persona {
  const { traits, ...rest } = over;
  return {
    id,
    label: id,
    demographics: { age: 35, gender: 'female', job: 'tester', region: 'US-OH', device: 'desktop' },
    interests: { 'kitchen-cooking': 1, electronics: 1, books: 1, beauty: 1, 'sports-outdoors': 1, travel: 1 },
    baseline: 1,
    budget: 60,
    ...rest,
    traits: {
      priceSensitivity: 0.5,
      impulsiveness: 0.2,
      patience: 1.5,
      buyIntent: 0,
      bounce: 0,
      loyalty: 0.5,
      searchVsBrowse: 0,
      visitFrequency: 1,
      ...traits,
    },
  };
}
