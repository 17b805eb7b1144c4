/**
 * Who a simulated shopper is. Demographics and interests are the ground truth the models later try to recover;
 * traits are the knobs through which who-they-are shapes every decision the engine makes.
 */

export const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
export type Device = (typeof DEVICES)[number];

export interface Demographics {
  age: number;
  gender: 'female' | 'male' | 'nonbinary';
  job: string;
  region: string;
  device: Device;
}

export interface Traits {
  /** 0..1: how strongly price pushes choices toward cheaper items. */
  priceSensitivity: number;
  /** 0..1: chance-like pull to add what is being looked at to the cart without a need. */
  impulsiveness: number;
  /** Multiplies dwell times; 1 = average reader. */
  patience: number;
  /** 0..1: chance that a session starts with something to buy in mind. */
  buyIntent: number;
  /** 0..1: chance of leaving right after landing. */
  bounce: number;
}

export interface Persona {
  id: string;
  label: string;
  demographics: Demographics;
  /** Top-level category id → weight (≥ 0). Categories not named get weight `baseline`. */
  interests: Record<string, number>;
  /** Weight of categories not listed in `interests`. Default 0.1. */
  baseline?: number;
  traits: Traits;
}

export const BUILT_IN_PERSONAS: readonly Persona[] = [
  {
    id: 'bargain-hunter',
    label: 'Bargain hunter: compares prices, buys cheap kitchen and home goods',
    demographics: { age: 41, gender: 'female', job: 'teacher', region: 'US-OH', device: 'desktop' },
    interests: { 'kitchen-cooking': 5, home: 4, kids: 2, books: 1 },
    traits: { priceSensitivity: 0.9, impulsiveness: 0.1, patience: 1.3, buyIntent: 0.45, bounce: 0.15 },
  },
  {
    id: 'window-shopper',
    label: 'Window shopper: browses fashion and beauty on a phone, rarely buys',
    demographics: { age: 24, gender: 'male', job: 'student', region: 'US-CA', device: 'mobile' },
    interests: { 'mens-fashion': 4, 'womens-fashion': 2, beauty: 3, 'kpop-music': 3, electronics: 1 },
    traits: { priceSensitivity: 0.3, impulsiveness: 0.25, patience: 0.6, buyIntent: 0.05, bounce: 0.5 },
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
