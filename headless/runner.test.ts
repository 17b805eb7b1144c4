import { describe, expect, it } from 'vitest';
import { planSessions } from './runner';

describe('planSessions', () => {
  it('plans the same sessions for the same seed', () => {
    const a = planSessions({ users: 20, seed: 's', startTime: 0, spacingMs: 1000 });
    expect(planSessions({ users: 20, seed: 's', startTime: 0, spacingMs: 1000 })).toEqual(a);
    expect(planSessions({ users: 20, seed: 't', startTime: 0, spacingMs: 1000 })).not.toEqual(a);
  });

  it('gives every session its own client id in _ga form and a start inside its slot', () => {
    const plans = planSessions({ users: 50, seed: 's', startTime: 1_000_000, spacingMs: 60_000 });
    expect(new Set(plans.map((p) => p.clientId)).size).toBe(50);
    for (const p of plans) {
      expect(p.clientId).toMatch(/^\d+\.\d+$/);
      expect(p.startTime).toBeGreaterThanOrEqual(1_000_000 + p.index * 60_000);
      expect(p.startTime).toBeLessThan(1_000_000 + (p.index + 1) * 60_000);
    }
  });

  it('rejects an unknown persona with the list of built-ins', () => {
    expect(() => planSessions({ users: 1, seed: 's', personas: ['nobody'] })).toThrow(/unknown persona "nobody".*bargain-hunter/);
  });
});
