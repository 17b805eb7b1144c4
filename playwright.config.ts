import { defineConfig } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from './headless/chromium';

/** End-to-end tests on the built store, a real collector and Debian's Chromium (never a downloaded browser). */
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? 'list' : 'line',
  use: {
    launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] },
    trace: 'off',
  },
});
