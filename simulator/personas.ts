/**
 * Who a simulated shopper is. Demographics and interests are the ground truth the models later try to recover;
 * traits are the knobs through which who-they-are shapes every decision the engine makes. A population file
 * (population.ts) draws concrete personas of this shape; the built-ins below are ready-made ones for the console.
 */

export const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
export type Device = (typeof DEVICES)[number];

export const GENDERS = ['female', 'male', 'nonbinary'] as const;
export type Gender = (typeof GENDERS)[number];

export interface Demographics {
  age: number;
  gender: Gender;
  job: string;
  /** ISO 3166-2 style region, e.g. "US-OH". */
  region: string;
  device: Device;
}

export interface Traits {
  /** 0..1: how strongly price pushes choices toward cheaper items and away from buying above the budget. */
  priceSensitivity: number;
  /** 0..1: pull to add what is being looked at to the cart without a need, and to skip hesitating. */
  impulsiveness: number;
  /** Multiplies dwell times and how many items are looked at before giving up; 1 = average. */
  patience: number;
  /** 0..1: chance that a session starts with something to buy in mind. */
  buyIntent: number;
  /** 0..1: chance of leaving right after landing. */
  bounce: number;
  /** 0..1: chance of finishing a purchase once the cart is full of what was needed. */
  loyalty: number;
  /** 0..1: preference for the search box over browsing categories (when the store has a search box). */
  searchVsBrowse: number;
  /** Mean sessions per week; the runner's plan (headless/plan.ts) draws each user's number of visits from it. */
  visitFrequency: number;
  /**
   * 24 non-negative weights, one per local hour 0..23: when this shopper tends to shop. The runner draws session
   * start times from it (`sampleSessionStart`). Default: an evening-heavy curve.
   */
  activeHours?: number[];
}

export interface Persona {
  id: string;
  label: string;
  /** The population segment this persona was drawn from, when it came from a population file. */
  segment?: string;
  demographics: Demographics;
  /** Top-level category id → weight (≥ 0). Categories not named get weight `baseline`. */
  interests: Record<string, number>;
  /** Weight of categories not listed in `interests`. Default 0.1. */
  baseline?: number;
  /** Brand → weight multiplier (default 1 for brands not named). */
  brands?: Record<string, number>;
  /** The unit price this shopper is comfortable paying; items far above it are rarely bought. */
  budget: number;
  traits: Traits;
}

const EVENINGS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2.2, 2.4, 2.8, 2.6, 2.4, 2.4, 2.6, 3, 3.6, 4.4, 4.8, 4.4, 3.2, 2];
const OFFICE_HOURS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 4, 4, 4.5, 4, 3.8, 3.5, 3, 2.5, 2, 1.6, 1.4, 1, 0.6, 0.3];
const NIGHT_OWL = [4, 4, 3, 2, 1, 0.5, 0.3, 0.3, 0.4, 0.6, 0.8, 1, 1.2, 1.2, 1.2, 1.3, 1.5, 1.8, 2.2, 2.8, 3.4, 4, 4.5, 4.5];

export const DEFAULT_ACTIVE_HOURS: readonly number[] = EVENINGS;

export const BUILT_IN_PERSONAS: readonly Persona[] = [
  {
    id: 'bargain-hunter',
    label: 'Bargain hunter: compares prices, buys cheap kitchen and home goods',
    demographics: { age: 41, gender: 'female', job: 'teacher', region: 'US-OH', device: 'desktop' },
    interests: { 'kitchen-cooking': 5, 'home-living': 4, kids: 2, books: 1 },
    budget: 30,
    traits: {
      priceSensitivity: 0.9,
      impulsiveness: 0.1,
      patience: 1.3,
      buyIntent: 0.45,
      bounce: 0.15,
      loyalty: 0.6,
      searchVsBrowse: 0.3,
      visitFrequency: 2,
      activeHours: EVENINGS,
    },
  },
  {
    id: 'window-shopper',
    label: 'Window shopper: browses fashion and beauty on a phone, rarely buys',
    demographics: { age: 24, gender: 'male', job: 'student', region: 'US-CA', device: 'mobile' },
    interests: { 'mens-fashion': 4, 'womens-fashion': 2, beauty: 3, 'kpop-music': 3, electronics: 1 },
    budget: 60,
    traits: {
      priceSensitivity: 0.3,
      impulsiveness: 0.25,
      patience: 0.6,
      buyIntent: 0.05,
      bounce: 0.5,
      loyalty: 0.2,
      searchVsBrowse: 0.1,
      visitFrequency: 4,
      activeHours: NIGHT_OWL,
    },
  },
  {
    id: 'mission-shopper',
    label: 'Mission shopper: knows what they need, finds it fast and buys it on a laptop at work',
    demographics: { age: 36, gender: 'nonbinary', job: 'engineer', region: 'US-WA', device: 'desktop' },
    interests: { electronics: 5, 'sports-outdoors': 3, travel: 2 },
    budget: 150,
    traits: {
      priceSensitivity: 0.2,
      impulsiveness: 0.05,
      patience: 0.8,
      buyIntent: 0.9,
      bounce: 0.02,
      loyalty: 0.9,
      searchVsBrowse: 0.8,
      visitFrequency: 0.5,
      activeHours: OFFICE_HOURS,
    },
  },
  {
    id: 'trend-follower',
    label: 'Trend follower: K-pop and beauty on a phone, impulsive, small baskets',
    demographics: { age: 19, gender: 'female', job: 'student', region: 'US-NY', device: 'mobile' },
    interests: { 'kpop-music': 6, beauty: 4, 'womens-fashion': 2 },
    budget: 35,
    traits: {
      priceSensitivity: 0.5,
      impulsiveness: 0.7,
      patience: 0.7,
      buyIntent: 0.25,
      bounce: 0.3,
      loyalty: 0.4,
      searchVsBrowse: 0.4,
      visitFrequency: 3,
      activeHours: NIGHT_OWL,
    },
  },
];

export function findPersona(idOrPersona: string | Persona | undefined): Persona {
  if (idOrPersona && typeof idOrPersona === 'object') return idOrPersona;
  const id = idOrPersona ?? 'bargain-hunter';
  const found = BUILT_IN_PERSONAS.find((p) => p.id === id);
  if (!found) {
    throw new Error(`unknown persona "${id}"; built-in personas: ${BUILT_IN_PERSONAS.map((p) => p.id).join(', ')}`);
  }
  return found;
}

export function interestIn(persona: Persona, category: string): number {
  return persona.interests[category] ?? persona.baseline ?? 0.1;
}

export function brandWeight(persona: Persona, brand: string | undefined): number {
  return (brand ? persona.brands?.[brand] : undefined) ?? 1;
}
