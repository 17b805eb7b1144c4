import { describe, expect, it } from 'vitest';
import type { Summary } from './insights';
import { suggestions } from './report';

/** Only what `suggestions` reads: the funnel, the recommendation table and the RFM counts. */
function summary(funnel: Summary['funnel'], hr: { als: number; popularity: number }): Summary {
  const row = (model: string, value: number) => ({ model, hr: value, ndcg: value / 2, inInterests: 0.5 });
  return {
    funnel,
    recommendations: { table: [row('als', hr.als), row('popularity', hr.popularity)], heldOutUsers: 40 },
    segments: { rfmCounts: {} },
  } as unknown as Summary;
}

const FUNNEL: Summary['funnel'] = [
  { step: 'session_start', sessions: 1000 },
  { step: 'view_item', sessions: 500 },
  { step: 'add_to_cart', sessions: 80 },
  { step: 'begin_checkout', sessions: 40 },
  { step: 'purchase', sessions: 20 },
];

describe("the report's suggestions", () => {
  it('turns the cart abandonment it measures into the free-shipping change, and names the arm that tests it', () => {
    const cart = suggestions(summary(FUNNEL, { als: 0.3, popularity: 0.2 })).find((s) => s.includes('in the cart end without a purchase'));
    expect(cart).toContain('75.0 % of sessions with something in the cart end without a purchase');
    expect(cart).toContain('offer free shipping in the cart');
    expect(cart).toContain('shoplab experiment --arms control,freeship');
  });

  it('names the recs arm for the recommended list, whether or not the model beats best-sellers', () => {
    for (const hr of [{ als: 0.3, popularity: 0.2 }, { als: 0.1, popularity: 0.2 }]) {
      expect(suggestions(summary(FUNNEL, hr)).some((s) => s.includes('shoplab experiment --arms control,recs'))).toBe(true);
    }
  });

  it('says nothing about carts when no session added to one', () => {
    const none = FUNNEL.map((f) => (f.step === 'session_start' || f.step === 'view_item' ? f : { ...f, sessions: 0 }));
    expect(suggestions(summary(none, { als: 0.3, popularity: 0.2 })).some((s) => s.includes('freeship'))).toBe(false);
  });
});
