/**
 * The rule that says where the population puts a gender signal, on hand-made shoppers: fixed from the default
 * population's modifiers (docs/population.md), so it is checked here against that definition rather than tuned.
 */
import { describe, expect, it } from 'vitest';
import type { TruthUser } from './dataset';
import { carriesGenderSignal, GENDER_SIGNAL_SHARE, genderedChoiceShare } from './personas';

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
