import type { SimulateResult } from '../simulator/engine';
import { samplePersona } from '../simulator/population';
import { loadPopulationFile } from '../simulator/population-file';
import { createRng } from '../simulator/rng';
import { expect, openStore, simulate, test, type Row } from './fixtures';

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
    // A client id of its own per run: the collector would (rightly) drop the second run's identical events as
    // retries of the first, since (client id, timestamp, name) identifies an event.
    const { page, context } = await openStore(browser, server, { startTime: Date.UTC(2026, 10, 3, 9), clientId: `42424${i}.1700000000`, runId: `det-${i}` });
    runs.push(await simulate(page, { seed: 'same-seed', persona: 'bargain-hunter' }));
    await context.close();
  }
  expect(runs[0]!.error).toBeUndefined();
  expect(runs[0]!.actions.length).toBeGreaterThan(2);
  expect(comparable(runs[1]!)).toEqual(comparable(runs[0]!));
  expect(runs.map((r) => r.clientId)).toEqual(['424240.1700000000', '424241.1700000000']);

  // What the tag sent — automatic events such as scroll and user_engagement included — repeats exactly too.
  const stored = async (runId: string): Promise<unknown[]> =>
    (
      await server.warehouse.query(
        `SELECT event_name, event_timestamp, [i.item_id FOR i IN items] AS items,
                [p.key || '=' || coalesce(p.value.string_value, CAST(coalesce(p.value.int_value, p.value.double_value) AS VARCHAR), '')
                 FOR p IN event_params IF p.key NOT IN ('shoplab_run_id', 'transaction_id')] AS params
         FROM ${server.warehouse.dataset}.events
         WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = ?
         ORDER BY event_timestamp`,
        [runId],
      )
    ).map((r) => JSON.stringify(r));
  const first = await stored('det-0');
  expect(first.length).toBeGreaterThan(5);
  expect(await stored('det-1')).toEqual(first);
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

test('the same seed and population give the same GA4 events in the warehouse, timestamps included', async ({ browser, server }) => {
  const persona = samplePersona(loadPopulationFile(), createRng('determinism/persona'));
  // A patient buyer, so that the session is long enough to mean something.
  const shopper = { ...persona, traits: { ...persona.traits, bounce: 0, patience: 2 } };
  const rows: Row[][] = [];
  for (const runId of ['det-a', 'det-b']) {
    const { page, context } = await openStore(browser, server, { startTime: Date.UTC(2026, 10, 6, 8), clientId: '515151.1700000000', runId });
    const r = await simulate(page, { seed: 'warehouse-seed', persona: shopper, intent: 'buy' });
    await context.close();
    expect(r.error).toBeUndefined();
    rows.push(
      await server.warehouse.query(
        // user_engagement is left out: the tag also sends one when the page is torn down, whose arrival races the query.
        `SELECT event_name || ' ' || event_timestamp || ' ' || array_to_string([i.item_id FOR i IN items], ',') || ' ' ||
                array_to_string([p.key || '=' || coalesce(p.value.string_value, CAST(p.value.int_value AS VARCHAR), CAST(p.value.double_value AS VARCHAR), '')
                                 FOR p IN event_params IF p.key NOT IN ('shoplab_run_id', 'transaction_id')], '&') AS e
         FROM ${server.warehouse.dataset}.events
         WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = ? AND event_name <> 'user_engagement'
         ORDER BY event_timestamp`,
        [runId],
      ),
    );
  }
  expect(rows[0]!.length).toBeGreaterThan(8);
  expect(rows[1]!.map((r) => r.e)).toEqual(rows[0]!.map((r) => r.e));
});
