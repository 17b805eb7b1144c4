/**
 * The rule that says where the population puts a gender signal, on hand-made shoppers: fixed from the default
 * population's modifiers (docs/population.md), so it is checked here against that definition rather than tuned.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset, TruthUser } from './dataset';
import { activityBand, carriesGenderSignal, categoryEventCounts, GENDER_SIGNAL_SHARE, genderedChoiceShare } from './personas';

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
