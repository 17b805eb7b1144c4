import { describe, expect, it } from 'vitest';
import { DAILY_CURVE, MIN_VISIT_GAP_MS, parseShard, planRun, shardPlan } from './plan';
import { findPersona } from '../simulator/personas';
import { builtInSampler } from './population';

const START = Date.UTC(2026, 10, 2); // a Monday
const NIGHT_OWL_ID = 'window-shopper';
const OFFICE_ID = 'mission-shopper';
const base = { users: 300, seed: 'plan', start: START, days: 14 };

describe('planRun', () => {
  it('plans the same run for the same seed and a different one for another seed', () => {
    expect(planRun(base)).toEqual(planRun(base));
    expect(planRun({ ...base, seed: 'other' })).not.toEqual(planRun(base));
  });

  it('gives each shard whole users, and n shards together exactly the unsharded plan', () => {
    const all = planRun(base);
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, i) => shardPlan(all, { k: i + 1, n }));
      const union = parts.flat().sort((a, b) => a.index - b.index);
      expect(union).toEqual(all);
      const owner = new Map<number, number>();
      parts.forEach((part, k) => {
        for (const s of part) {
          expect(owner.get(s.user) ?? k).toBe(k);
          owner.set(s.user, k);
        }
      });
    }
  });

  it('keeps one client id per user across visits, in time order and at least the visit gap apart', () => {
    const byUser = new Map<number, ReturnType<typeof planRun>>();
    for (const s of planRun(base)) byUser.set(s.user, [...(byUser.get(s.user) ?? []), s]);
    expect(byUser.size).toBe(base.users);
    const returning = [...byUser.values()].filter((v) => v.length > 1);
    expect(returning.length).toBeGreaterThan(base.users / 2);
    for (const visits of byUser.values()) {
      expect(new Set(visits.map((v) => v.clientId)).size).toBe(1);
      visits.forEach((v, i) => {
        expect(v.visit).toBe(i);
        if (i > 0) expect(v.startTime - visits[i - 1]!.startTime).toBeGreaterThanOrEqual(MIN_VISIT_GAP_MS);
      });
    }
  });

  it('makes frequent visitors visit more often', () => {
    const plan = planRun({ ...base, sampler: builtInSampler() });
    const perUser = (id: string): number => {
      const s = plan.filter((p) => p.personaId === id);
      return s.length / new Set(s.map((p) => p.user)).size;
    };
    // window-shopper visits 3/week, bargain-hunter 1.5/week: over 14 days about 6 vs 3.
    expect(perUser('window-shopper')).toBeGreaterThan(perUser('bargain-hunter') * 1.5);
  });

  it('spreads arrivals along the daily curve and keeps them inside [start, start + days)', () => {
    // A persona with no active hours of its own arrives along the store's daily curve.
    const plain = findPersona('bargain-hunter');
    const { activeHours: _unused, ...traits } = plain.traits;
    void _unused;
    const plan = planRun({ ...base, users: 2000, sampler: () => ({ persona: { ...plain, traits }, visitsPerWeek: 1 }) });
    const byHour = new Array<number>(24).fill(0);
    for (const s of plan) {
      expect(s.startTime).toBeGreaterThanOrEqual(START);
      expect(s.startTime).toBeLessThan(START + 14 * 24 * 3600 * 1000 + MIN_VISIT_GAP_MS);
      byHour[new Date(s.startTime).getUTCHours()]! += 1;
    }
    // The evening peak (20h, weight 1.25) sees many times the traffic of 3-4 am (weight 0.08).
    expect(byHour[20]! / Math.max(1, byHour[3]!)).toBeGreaterThan(DAILY_CURVE[20] / DAILY_CURVE[3] / 2);
  });

  it('schedules each persona at its own active hours', () => {
    const plan = planRun({ ...base, users: 1000 });
    const nightShare = (id: string): number => {
      const s = plan.filter((p) => p.personaId === id);
      return s.filter((p) => new Date(p.startTime).getUTCHours() <= 2).length / s.length;
    };
    const officeShare = (id: string): number => {
      const s = plan.filter((p) => p.personaId === id);
      const h = (p: (typeof s)[number]): number => new Date(p.startTime).getUTCHours();
      return s.filter((p) => h(p) >= 9 && h(p) <= 16).length / s.length;
    };
    // The night owl shops around midnight; the office-hours persona hardly ever does, and mostly by day.
    expect(nightShare(NIGHT_OWL_ID)).toBeGreaterThan(3 * nightShare(OFFICE_ID));
    expect(officeShare(OFFICE_ID)).toBeGreaterThan(0.5);
  });

  it('rejects a malformed shard with the expected form', () => {
    expect(parseShard('2/3')).toEqual({ k: 2, n: 3 });
    expect(() => parseShard('4/3')).toThrow(/k\/n with 1 <= k <= n/);
    expect(() => parseShard('0/3')).toThrow(/k\/n/);
    expect(() => parseShard('x')).toThrow(/k\/n/);
  });
});
