/**
 * Who a persona is measurably changes what it does: pairs of personas that differ in one field only, run with
 * fixed seeds on the built store, and a statistical test on what they did (not eyeballing).
 */
import { chiSquareTest, mannWhitneyU, signTest } from '../simulator/stats';
import { expect, test } from './fixtures';
import { runSessions, testPersona, type SessionSpec } from './sessions';

const START = Date.UTC(2026, 10, 4, 12);
const SESSIONS = 8;

function specs(persona: SessionSpec['persona'], tag: string, params: SessionSpec['params'] = { intent: 'browse' }, n = SESSIONS): SessionSpec[] {
  return Array.from({ length: n }, (_, i) => ({ persona, seed: `effect-${tag}-${i}`, startTime: START + i * 3_600_000, params }));
}

/** Items a session opened, from its trace. */
const opened = (r: { actions: { action: string; category?: string; price?: number }[] }) => r.actions.filter((a) => a.action === 'open-item');

test('interests steer which categories a shopper looks at (chi-square)', async ({ browser, server }) => {
  const cook = testPersona('cook', { interests: { 'kitchen-cooking': 8 }, baseline: 0.3 });
  const geek = testPersona('geek', { interests: { electronics: 8 }, baseline: 0.3 });
  const [a, b] = await Promise.all([runSessions(browser, server, specs(cook, 'cook'), 2), runSessions(browser, server, specs(geek, 'geek'), 2)]);
  for (const r of [...a, ...b]) expect(r.error).toBeUndefined();
  const cats = ['kitchen-cooking', 'electronics'];
  const count = (rs: typeof a) => {
    const all = rs.flatMap((r) => [...opened(r), ...r.actions.filter((x) => x.action === 'browse-category')]).map((x) => x.category);
    return [...cats.map((c) => all.filter((x) => x === c).length), all.filter((x) => x && !cats.includes(x)).length];
  };
  const table = [count(a), count(b)];
  expect(table[0]![0]!).toBeGreaterThan(table[0]![1]!);
  expect(table[1]![1]!).toBeGreaterThan(table[1]![0]!);
  expect(chiSquareTest(table).p, JSON.stringify(table)).toBeLessThan(0.001);
});

test('price sensitivity pushes a shopper toward cheaper items (Mann-Whitney)', async ({ browser, server }) => {
  const thrifty = testPersona('thrifty', { budget: 25, traits: { priceSensitivity: 1 } });
  const lavish = testPersona('lavish', { budget: 400, traits: { priceSensitivity: 0 } });
  // Twice the usual sessions: on the full catalog's paged lists each session opens fewer items, and the test keeps
  // its p < 0.001 bar by gathering more of them rather than by lowering it.
  const n = SESSIONS * 2;
  const [a, b] = await Promise.all([runSessions(browser, server, specs(thrifty, 'price', undefined, n), 2), runSessions(browser, server, specs(lavish, 'price', undefined, n), 2)]);
  const prices = (rs: typeof a) => rs.flatMap((r) => opened(r).map((x) => x.price ?? NaN)).filter(Number.isFinite);
  const pa = prices(a);
  const pb = prices(b);
  expect(pa.length).toBeGreaterThan(15);
  expect(pb.length).toBeGreaterThan(15);
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  expect(med(pa)).toBeLessThan(med(pb));
  expect(mannWhitneyU(pa, pb).p, `medians ${med(pa)} vs ${med(pb)}`).toBeLessThan(0.001);
});

test('the device changes the session: phone sessions are shorter (paired sign test), and the warehouse sees the device', async ({ browser, server }) => {
  const phone = testPersona('phone', { demographics: { age: 35, gender: 'female', job: 'tester', region: 'US-OH', device: 'mobile' } });
  const laptop = testPersona('laptop', { demographics: { age: 35, gender: 'female', job: 'tester', region: 'US-OH', device: 'desktop' } });
  const run = (p: typeof phone, tag: string) =>
    runSessions(browser, server, specs(p, 'device', { intent: 'browse' }, 10).map((s) => ({ ...s, runId: `device-${tag}` })), 2);
  const [a, b] = await Promise.all([run(phone, 'mobile'), run(laptop, 'desktop')]);
  const minutes = (rs: typeof a) => rs.map((r) => (r.endedAt - r.startedAt) / 60_000);
  const ma = minutes(a);
  const mb = minutes(b);
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  expect(sum(ma)).toBeLessThan(sum(mb));
  // The same seeds on both devices (common random numbers): each pair differs only by the device.
  expect(signTest(ma, mb).p, `minutes ${ma.map((x) => x.toFixed(1)).join(',')} vs ${mb.map((x) => x.toFixed(1)).join(',')}`).toBeLessThan(0.01);

  const rows = await server.warehouse.query(
    `SELECT list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value AS run, device.category AS device, count(*) AS n
     FROM ${server.warehouse.dataset}.events WHERE run IN ('device-mobile', 'device-desktop') GROUP BY ALL ORDER BY run`,
  );
  expect(rows.map((r) => [r.run, r.device])).toEqual([
    ['device-desktop', 'desktop'],
    ['device-mobile', 'mobile'],
  ]);
});
