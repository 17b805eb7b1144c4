import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{analysis,export,pipeline,ga4,tag,simulator,collector,warehouse,headless,cli,scripts,src}/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
