/**
 * The rule that says where the population puts a gender signal, on hand-made shoppers: fixed from the default
 * population's modifiers (docs/population.md), so it is checked here against that definition rather than tuned.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset, TruthUser } from './dataset';
import { activityBand, carriesGenderSignal, categoryEventCounts, categoryNeeds, GENDER_SIGNAL_SHARE, genderedChoiceShare, needsInput, profileScores, type InterestProfiles } from './personas';

const CATS = ['womens-fashion', 'mens-fashion', 'beauty', 'electronics', 'books'];

function shopper(gender: string, interests: Record<string, number>): TruthUser {
  return { userId: 'u', segment: 's', age: 30, gender, job: 'j', region: 'r', device: 'mobile', interests, budget: 30 };
}

describe('where the population puts a gender signal', () => {
  it('counts clothing and beauty choices by the engine rule, weight^1.5, and nothing else', () => {
    const t = shopper('female', { 'womens-fashion': 1, beauty: 1, electronics: 2, books: 0 });
    expect(genderedChoiceShare(t)).toBeCloseTo(2 / (2 + 2 ** 1.5), 12);
    // Electronics is moved by the male modifier only ×1.25: mild, not a gendered category.
    expect(genderedChoiceShare(shopper('male', { electronics: 3, books: 1 }))).toBe(0);
  });

  it('needs a female or male shopper, a quarter of choices to gendered categories, and some category engagement', () => {
    const fashion = { 'womens-fashion': 2, electronics: 1 };
    const engaged = [0.5, 0, 0, 0.5, 0, 1.2];
    expect(carriesGenderSignal(shopper('female', fashion), engaged, CATS)).toBe(true);
    expect(carriesGenderSignal(shopper('male', fashion), engaged, CATS)).toBe(true);
    // The population gives nonbinary shoppers no modifier.
    expect(carriesGenderSignal(shopper('nonbinary', fashion), engaged, CATS)).toBe(false);
    // No category choice at all: nothing to read.
    expect(carriesGenderSignal(shopper('female', fashion), [0, 0, 0, 0, 0, 0], CATS)).toBe(false);
    expect(carriesGenderSignal(shopper('female', fashion), undefined, CATS)).toBe(false);
    // Just under and just over a quarter.
    const w = (share: number): Record<string, number> => ({ beauty: share ** (2 / 3), books: (1 - share) ** (2 / 3) });
    expect(carriesGenderSignal(shopper('male', w(GENDER_SIGNAL_SHARE - 0.01)), engaged, CATS)).toBe(false);
    expect(carriesGenderSignal(shopper('male', w(GENDER_SIGNAL_SHARE + 0.01)), engaged, CATS)).toBe(true);
  });
});

describe('activity bands for interests recall', () => {
  it('bands by category events, edges included in the lower band', () => {
    expect([0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 500].map(activityBand)).toEqual(['0', '1-2', '1-2', '3-5', '3-5', '6-10', '6-10', '11-20', '11-20', '21+', '21+']);
  });

  it('counts category visits and item events that carry weight, and which categories were touched', () => {
    const ds = {
      categories: ['books', 'kids'],
      categoryVisits: [
        { userId: 'a', gaSessionId: 1, t: 1, category: 'books', weight: 1, via: 'list' },
        { userId: 'a', gaSessionId: 1, t: 2, category: 'kids', weight: 0.5, via: 'search' },
      ],
      itemEvents: [
        { userId: 'a', gaSessionId: 1, t: 3, name: 'view_item', itemId: 'i', category: 'books', price: 5 },
        // An impression-like event with no weight, and a category the store does not have, count for nothing.
        { userId: 'b', gaSessionId: 2, t: 3, name: 'view_cart', itemId: 'i', category: 'books', price: 5 },
        { userId: 'b', gaSessionId: 2, t: 4, name: 'add_to_cart', itemId: 'j', category: 'garden', price: 5 },
      ],
    } as unknown as Dataset;
    const counts = categoryEventCounts(ds);
    expect(counts.get('a')?.events).toBe(3);
    expect([...(counts.get('a')?.categories ?? [])].sort()).toEqual(['books', 'kids']);
    expect(counts.has('b')).toBe(false);
  });
});

describe('session needs and the profiles reader of interests', () => {
  it('counts each category once per session in which it was engaged, whatever the number of events', () => {
    const ds = {
      categories: ['books', 'kids'],
      categoryVisits: [
        { userId: 'a', gaSessionId: 1, t: 1, category: 'books', weight: 1, via: 'list' },
        { userId: 'a', gaSessionId: 2, t: 9, category: 'kids', weight: 0.5, via: 'search' },
      ],
      itemEvents: [
        // One need in session 1: the category page, then three items of it opened, one carted.
        { userId: 'a', gaSessionId: 1, t: 2, name: 'select_item', itemId: 'i', category: 'books', price: 5 },
        { userId: 'a', gaSessionId: 1, t: 3, name: 'view_item', itemId: 'i', category: 'books', price: 5 },
        { userId: 'a', gaSessionId: 1, t: 4, name: 'view_item', itemId: 'j', category: 'books', price: 5 },
        { userId: 'a', gaSessionId: 1, t: 5, name: 'add_to_cart', itemId: 'j', category: 'books', price: 5 },
        // Books again in another session: a second need.
        { userId: 'a', gaSessionId: 2, t: 10, name: 'view_item', itemId: 'k', category: 'books', price: 5 },
        // Events without weight and categories the store does not have count for nothing.
        { userId: 'b', gaSessionId: 3, t: 3, name: 'view_cart', itemId: 'i', category: 'books', price: 5 },
        { userId: 'b', gaSessionId: 3, t: 4, name: 'add_to_cart', itemId: 'j', category: 'garden', price: 5 },
      ],
    } as unknown as Dataset;
    const needs = categoryNeeds(ds);
    expect(needs.get('a')).toEqual([2, 1]);
    expect(needs.has('b')).toBe(false);
    expect(needsInput([2, 1, 0])).toEqual([2 / 3, 1 / 3, 0, Math.log(4)]);
    expect(needsInput([0, 0])).toEqual([0, 0, 0]);
  });

  const cats = ['a', 'b', 'c', 'd', 'e'];
  const profiles: InterestProfiles = {
    // Two engaged shoppers who care for a, b, c and for c, d, e; one who never engaged and cares for a, d, e.
    weights: [
      [3, 2, 1, 0.1, 0.1],
      [0.1, 0.1, 1, 2, 3],
      [2, 0.1, 0.1, 3, 1],
    ],
    engaged: [true, true, false],
    temperature: 1,
  };
  const top3 = (s: readonly number[]): string[] =>
    cats
      .map((c, i) => [c, s[i] ?? 0] as const)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, 3)
      .map(([c]) => c)
      .sort();

  it('follows the needs toward the profiles that would have made them', () => {
    expect(top3(profileScores(profiles, cats, [0, 3, 0, 0, 0]))).toEqual(['a', 'b', 'c']);
    expect(top3(profileScores(profiles, cats, [0, 0, 0, 2, 1]))).toEqual(['c', 'd', 'e']);
  });

  it('reads a shopper with no needs against the training shoppers who had none', () => {
    expect(top3(profileScores(profiles, cats, [0, 0, 0, 0, 0]))).toEqual(['a', 'd', 'e']);
  });

  it('stays nearer the prior when tempered, and moves further with more needs', () => {
    const share = (p: InterestProfiles, needs: number[]): number => {
      const s = profileScores(p, cats, needs);
      // a is in the first engaged profile's top three only, c in both: a's score over c's is that profile's posterior share.
      return (s[0] ?? 0) / (s[2] ?? 1);
    };
    const cold = { ...profiles, temperature: 0.5 };
    expect(share(cold, [1, 0, 0, 0, 0])).toBeLessThan(share(profiles, [1, 0, 0, 0, 0]));
    expect(share(profiles, [1, 0, 0, 0, 0])).toBeLessThan(share(profiles, [3, 0, 0, 0, 0]));
  });
});
