import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/** The stages with unit tests: stages.json, the one list of stage folders (docs/architecture.md). */
const { stages } = JSON.parse(readFileSync(new URL('./stages.json', import.meta.url), 'utf8')) as { stages: Record<string, { unitTests: boolean }> };
const tested = Object.keys(stages).filter((s) => stages[s]?.unitTests);

export default defineConfig({
  test: {
    include: [`{${tested.join(',')}}/**/*.test.{ts,tsx}`],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
