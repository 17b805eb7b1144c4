/**
 * The run plan: every session of every user, decided from the seed before any browser starts. Users arrive over
 * simulated time along a daily and a weekly curve, each as often as their persona visits; a returning user keeps
 * one client id. The plan is the same in every shard: a shard only picks the users it runs (see shardOf), so n
 * shards together run exactly the sessions of one unsharded run, with the same indexes and seeds.
 */
import { findPersona, type Device, type Persona } from '../simulator/personas';
import { createRng, type Rng } from '../simulator/rng';
import { builtInSampler, type UserSampler } from './population';

/**
 * Relative traffic per UTC hour of the day (0..23): quiet at night, a lunch bump, the evening peak. Shaped after
 * typical ecommerce traffic reports; only the ratios matter.
 */
export const DAILY_CURVE = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.25, 0.45, 0.65, 0.8, 0.9, 0.95, 1.05, 1.0, 0.9, 0.85, 0.85, 0.9, 1.0, 1.15, 1.25, 1.2, 0.9, 0.5,
] as const;

/** Relative traffic per UTC day of the week, Sunday first (Date#getUTCDay): busy Sunday/Monday, slow Friday/Saturday. */
export const WEEKLY_CURVE = [1.1, 1.1, 1.0, 1.0, 0.95, 0.85, 0.9] as const;

/** Two visits of one user are at least this far apart, so that GA4's 30-minute session timeout separates them. */
export const MIN_VISIT_GAP_MS = 2 * 3600 * 1000;

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

export interface PlanOptions {
  /** Users in the population of the run (each visits at least once). */
  users: number;
  seed: string;
  /** First instant of simulated time, ms since epoch. */
  start: number;
  /** Length of simulated time in days (may be fractional). */
  days: number;
  /** Draws each user's persona and visit frequency. Default: the built-in personas, equally likely. */
  sampler?: UserSampler;
}

export interface PlannedSession {
  /** Position in the whole (unsharded) run, ordered by start time; the key of the journal and ground truth. */
  index: number;
  /** User number in the population, 0-based. */
  user: number;
  /** The user's visit number, 0-based (ga_session_number - 1). */
  visit: number;
  seed: string;
  persona: string | Persona;
  personaId: string;
  device: Device;
  clientId: string;
  /** Simulated start, ms since epoch. */
  startTime: number;
}

export interface Shard {
  /** 1-based. */
  k: number;
  n: number;
}

/** Parses `k/n` (1 ≤ k ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || !(n >= 1) || !(k >= 1) || k > n) throw new Error(`--shard must be k/n with 1 <= k <= n, got "${text}"`);
  return { k, n };
}

/** Every session of one user runs on one shard, so a user's visits stay in order and share one browser state. */
export function shardOf(user: number, n: number): number {
  return (user % n) + 1;
}

/**
 * Cumulative weights of every hour slot of the run, for drawing arrival times by binary search: the weekly curve
 * times the persona's own active hours when it has them (24 weights, not all zero), else the store's daily curve.
 */
function hourSlots(start: number, days: number, activeHours?: readonly number[]): { cumulative: Float64Array; count: number } {
  const daily = activeHours?.length === 24 && activeHours.every((w) => Number.isFinite(w) && w >= 0) && activeHours.some((w) => w > 0) ? activeHours : DAILY_CURVE;
  const count = Math.max(1, Math.ceil((days * DAY_MS) / HOUR_MS));
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i * HOUR_MS);
    total += daily[at.getUTCHours()]! * WEEKLY_CURVE[at.getUTCDay()]!;
    cumulative[i] = total;
  }
  return { cumulative, count };
}

function drawTime(rng: Rng, slots: { cumulative: Float64Array; count: number }, start: number, end: number): number {
  const total = slots.cumulative[slots.count - 1]!;
  const r = rng.next() * total;
  let lo = 0;
  let hi = slots.count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slots.cumulative[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  const t = start + lo * HOUR_MS + Math.floor(rng.next() * HOUR_MS);
  return Math.min(t, end - 1);
}

function poisson(rng: Rng, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k += 1;
    p *= rng.next();
  }
  return k;
}

function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** The visits of one user: how many (from the visit frequency, at least one) and when (along the curves). */
function userVisits(rng: Rng, visitsPerWeek: number, slots: { cumulative: Float64Array; count: number }, start: number, end: number): number[] {
  const days = (end - start) / DAY_MS;
  const wanted = Math.max(1, poisson(rng, (visitsPerWeek * days) / 7));
  const times = Array.from({ length: wanted }, () => drawTime(rng, slots, start, end)).sort((a, b) => a - b);
  const kept: number[] = [];
  for (const t of times) {
    const last = kept[kept.length - 1];
    const at = last === undefined ? t : Math.max(t, last + MIN_VISIT_GAP_MS);
    if (at < end) kept.push(at);
  }
  return kept;
}

/** The whole run, every shard's sessions, ordered by start time. */
export function planRun(opts: PlanOptions): PlannedSession[] {
  if (!Number.isInteger(opts.users) || opts.users < 1) throw new Error(`--users must be a positive integer, got ${opts.users}`);
  if (!(opts.days > 0)) throw new Error(`--days must be > 0, got ${opts.days}`);
  if (!Number.isFinite(opts.start)) throw new Error('--start is not a date');
  const sampler = opts.sampler ?? builtInSampler();
  const end = opts.start + opts.days * DAY_MS;
  const slotsByHours = new Map<string, ReturnType<typeof hourSlots>>();
  const slotsFor = (activeHours: readonly number[] | undefined): ReturnType<typeof hourSlots> => {
    const key = activeHours?.join(',') ?? '';
    let slots = slotsByHours.get(key);
    if (!slots) slotsByHours.set(key, (slots = hourSlots(opts.start, opts.days, activeHours)));
    return slots;
  };
  const sessions: Omit<PlannedSession, 'index'>[] = [];
  for (let user = 0; user < opts.users; user++) {
    // One stream per user (not one for the run), so that a user's plan never depends on the users before it.
    const rng = createRng(`${opts.seed}/user/${user}`);
    const sampled = sampler(rng.fork('persona'));
    const persona = findPersona(sampled.persona);
    const visits = userVisits(rng.fork('visits'), sampled.visitsPerWeek, slotsFor(persona.traits.activeHours), opts.start, end);
    const clientId = `${rng.int(100_000_000, 2_147_483_647)}.${Math.floor(visits[0]! / 1000)}`;
    visits.forEach((startTime, visit) => {
      sessions.push({
        user,
        visit,
        seed: `${opts.seed}/u${user}/v${visit}`,
        persona: sampled.persona,
        personaId: persona.id,
        device: persona.demographics.device,
        clientId,
        startTime,
      });
    });
  }
  sessions.sort((a, b) => a.startTime - b.startTime || a.user - b.user || a.visit - b.visit);
  return sessions.map((s, index) => ({ index, ...s }));
}

/** The sessions shard k of n runs. */
export function shardPlan(plan: readonly PlannedSession[], shard: Shard): PlannedSession[] {
  return plan.filter((s) => shardOf(s.user, shard.n) === shard.k);
}
