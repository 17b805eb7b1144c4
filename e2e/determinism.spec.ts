import type { SimulateResult } from '../simulator/engine';
import { expect, openStore, simulate, test } from './fixtures';

/** The transaction id is minted by the store, not the shopper; everything else must repeat exactly. */
function comparable(r: SimulateResult): unknown {
  return {
    outcome: r.outcome,
    intent: r.intent,
    actions: r.actions,
    events: JSON.parse(JSON.stringify(r.events).replace(/"T-[^"]+"/g, '"T-*"')) as unknown,
  };
}

test('the same seed gives the same actions and events on the built store', async ({ browser, server }) => {
  const runs: SimulateResult[] = [];
  for (let i = 0; i < 2; i++) {
    const { page, context } = await openStore(browser, server, { startTime: Date.UTC(2026, 10, 3, 9), clientId: '424242.1700000000' });
    runs.push(await simulate(page, { seed: 'same-seed', persona: 'bargain-hunter' }));
    await context.close();
  }
  expect(runs[0]!.error).toBeUndefined();
  expect(runs[0]!.actions.length).toBeGreaterThan(2);
  expect(comparable(runs[1]!)).toEqual(comparable(runs[0]!));
  expect(runs[0]!.clientId).toBe('424242.1700000000');
});

test('different seeds give different sessions', async ({ browser, server }) => {
  const traces: string[] = [];
  for (const seed of ['a', 'b', 'c', 'd']) {
    const { page, context } = await openStore(browser, server, { startTime: Date.UTC(2026, 10, 3, 9) });
    const r = await simulate(page, { seed, persona: 'window-shopper' });
    traces.push(JSON.stringify(r.actions.map((a) => [a.action, a.itemId])));
    await context.close();
  }
  expect(new Set(traces).size).toBeGreaterThan(1);
});
