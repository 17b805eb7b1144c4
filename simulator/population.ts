/**
 * A population file: weighted segments of shoppers, each giving every persona field as a fixed value or a
 * distribution. `parsePopulation` validates it (zod) with errors that name the bad field's path;
 * `samplePersona(population, rng)` draws one concrete Persona from it with the seeded RNG. docs/population.md
 * describes the format and the default population (populations/default.json).
 */
import { z } from 'zod';
import { DEVICES, GENDERS, type Demographics, type Device, type Gender, type Persona, type Traits } from './personas';
import type { Rng } from './rng';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** A number: fixed, uniform between two bounds, normal (clamped), or log-normal by median and spread. */
const numeric = z.union([
  finite,
  z.object({ uniform: z.tuple([finite, finite]).refine(([a, b]) => a <= b, 'uniform bounds must be [low, high]') }).strict(),
  z
    .object({ normal: z.object({ mean: finite, sd: finite.refine((v) => v >= 0, 'sd must be ≥ 0') }).strict(), min: finite.optional(), max: finite.optional() })
    .strict(),
  z
    .object({ logNormal: z.object({ median: finite.refine((v) => v > 0, 'median must be > 0'), sigma: finite.refine((v) => v >= 0, 'sigma must be ≥ 0') }).strict() })
    .strict(),
]);

const weight = finite.refine((v) => v >= 0, 'weights must be ≥ 0');

/** A choice: one fixed value, or value → weight. */
function categorical<T extends string>(values: z.ZodType<T>) {
  return z.union([values, z.record(values, weight).refine((r) => Object.values(r as Record<string, number>).some((w) => w > 0), 'at least one weight must be > 0')]);
}

const traitsSchema = z
  .object({
    priceSensitivity: numeric,
    impulsiveness: numeric,
    patience: numeric,
    buyIntent: numeric,
    bounce: numeric,
    loyalty: numeric,
    searchVsBrowse: numeric,
    visitFrequency: numeric,
    activeHours: z.array(weight).length(24, 'activeHours needs 24 weights, one per hour 0..23').optional(),
  })
  .strict();

const segmentSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    label: z.string().optional(),
    weight,
    demographics: z
      .object({
        age: numeric,
        gender: categorical(z.enum(GENDERS)),
        job: categorical(z.string().min(1)),
        region: categorical(z.string().min(1)),
        device: categorical(z.enum(DEVICES)),
      })
      .strict(),
    /** Category id → weight; each weight may be a distribution, so interests vary inside a segment. */
    interests: z.record(z.string().min(1), numeric),
    baseline: finite.refine((v) => v >= 0, 'must be ≥ 0').optional(),
    brands: z.record(z.string().min(1), weight).optional(),
    budget: numeric,
    traits: traitsSchema,
  })
  .strict();

const oneOrMany = <T extends z.ZodType<string>>(v: T) => z.union([v, z.array(v).min(1, 'list at least one value')]);

/**
 * A demographic effect on interests, across segments: shoppers who match `when` (every condition given) have
 * their weight for each named category multiplied. Real shoppers' interests depend on who they are, not only on
 * which segment they fall in; without this, demographics would change no behaviour and no model could learn
 * them from behaviour (docs/population.md, "Demographic signal").
 */
const modifierSchema = z
  .object({
    note: z.string().optional(),
    when: z
      .object({
        gender: oneOrMany(z.enum(GENDERS)).optional(),
        /** Inclusive age bounds, either may be left out. */
        age: z
          .object({ min: finite.optional(), max: finite.optional() })
          .strict()
          .refine((a) => a.min === undefined || a.max === undefined || a.min <= a.max, 'age bounds must be min ≤ max')
          .optional(),
        job: oneOrMany(z.string().min(1)).optional(),
      })
      .strict()
      .refine((w) => w.gender !== undefined || w.age !== undefined || w.job !== undefined, 'give at least one of gender, age, job'),
    /** Category id → multiplier (≥ 0) of the shopper's weight for it. */
    interests: z.record(z.string().min(1), weight),
  })
  .strict();

export const populationSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    segments: z.array(segmentSchema).min(1, 'a population needs at least one segment'),
    modifiers: z.array(modifierSchema).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.segments.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['segments', i, 'id'], message: `duplicate segment id "${s.id}"` });
      seen.add(s.id);
    });
    if (!p.segments.some((s) => s.weight > 0)) ctx.addIssue({ code: 'custom', path: ['segments'], message: 'at least one segment weight must be > 0' });
  });

export type Population = z.infer<typeof populationSchema>;
export type Segment = Population['segments'][number];
export type Numeric = z.infer<typeof numeric>;
export type Modifier = NonNullable<Population['modifiers']>[number];

export class PopulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PopulationError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/**
 * Validates a parsed population (or JSON text). Throws PopulationError whose message names every bad field by
 * its path, e.g. `segments[1].traits.patience: ...`. `source` names the file in the message.
 */
export function parsePopulation(input: unknown, source = 'population'): Population {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (err) {
      throw new PopulationError(`${source}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const parsed = populationSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new PopulationError(`${source} is not a valid population: ${lines.join('; ')}`);
  }
  return parsed.data;
}

export function sampleNumber(n: Numeric, rng: Rng): number {
  if (typeof n === 'number') return n;
  if ('uniform' in n) return n.uniform[0] + rng.next() * (n.uniform[1] - n.uniform[0]);
  if ('logNormal' in n) return rng.logNormal(n.logNormal.median, n.logNormal.sigma);
  // ln of a log-normal with median 1 and spread sd is a normal draw with mean 0 and deviation sd.
  const v = n.normal.mean + Math.log(rng.logNormal(1, n.normal.sd));
  return Math.min(n.max ?? Infinity, Math.max(n.min ?? -Infinity, v));
}

function sampleChoice<T extends string>(c: T | Partial<Record<T, number>>, rng: Rng): T {
  if (typeof c === 'string') return c;
  const keys = Object.keys(c) as T[];
  const idx = rng.weightedIndex(keys.map((k) => c[k] ?? 0));
  return keys[idx] as T;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Draws one concrete persona: a segment by weight, then every field from its distribution. */
export function samplePersona(population: Population, rng: Rng, id?: string): Persona {
  const idx = rng.weightedIndex(population.segments.map((s) => s.weight));
  const seg = population.segments[idx];
  if (!seg) throw new PopulationError('population has no segment with weight > 0');
  return applyModifiers(personaFromSegment(seg, rng, id), population.modifiers ?? []);
}

const listed = <T extends string>(v: T | T[] | undefined, x: T): boolean => v === undefined || (Array.isArray(v) ? v.includes(x) : v === x);

function matches(m: Modifier, d: Demographics): boolean {
  const { gender, age, job } = m.when;
  return listed(gender, d.gender) && listed(job, d.job) && (age === undefined || (d.age >= (age.min ?? -Infinity) && d.age <= (age.max ?? Infinity)));
}

/**
 * The population's demographic effects on one drawn persona: every matching modifier multiplies the weight of
 * the categories it names (a category the segment does not list starts from the segment's baseline). Draws
 * nothing from the RNG, so adding modifiers leaves every other field of every persona unchanged.
 */
export function applyModifiers(persona: Persona, modifiers: readonly Modifier[]): Persona {
  const interests = { ...persona.interests };
  for (const m of modifiers) {
    if (!matches(m, persona.demographics)) continue;
    for (const [cat, factor] of Object.entries(m.interests)) interests[cat] = (interests[cat] ?? persona.baseline ?? 0.1) * factor;
  }
  return { ...persona, interests };
}

export function personaFromSegment(seg: Segment, rng: Rng, id?: string): Persona {
  const demographics: Demographics = {
    age: Math.round(Math.min(99, Math.max(13, sampleNumber(seg.demographics.age, rng)))),
    gender: sampleChoice<Gender>(seg.demographics.gender, rng),
    job: sampleChoice(seg.demographics.job, rng),
    region: sampleChoice(seg.demographics.region, rng),
    device: sampleChoice<Device>(seg.demographics.device, rng),
  };
  const interests: Record<string, number> = {};
  for (const [cat, w] of Object.entries(seg.interests)) interests[cat] = Math.max(0, sampleNumber(w, rng));
  const t = seg.traits;
  const traits: Traits = {
    priceSensitivity: clamp01(sampleNumber(t.priceSensitivity, rng)),
    impulsiveness: clamp01(sampleNumber(t.impulsiveness, rng)),
    patience: Math.max(0.1, sampleNumber(t.patience, rng)),
    buyIntent: clamp01(sampleNumber(t.buyIntent, rng)),
    bounce: clamp01(sampleNumber(t.bounce, rng)),
    loyalty: clamp01(sampleNumber(t.loyalty, rng)),
    searchVsBrowse: clamp01(sampleNumber(t.searchVsBrowse, rng)),
    visitFrequency: Math.max(0, sampleNumber(t.visitFrequency, rng)),
  };
  if (t.activeHours) traits.activeHours = [...t.activeHours];
  const persona: Persona = {
    id: id ?? seg.id,
    label: seg.label ?? seg.id,
    segment: seg.id,
    demographics,
    interests,
    budget: Math.max(1, Math.round(sampleNumber(seg.budget, rng) * 100) / 100),
    traits,
  };
  if (seg.baseline !== undefined) persona.baseline = seg.baseline;
  if (seg.brands) persona.brands = { ...seg.brands };
  return persona;
}
