/**
 * The in-page engine: one shopping session, chosen step by step by a persona's policy and acted out on the
 * store's real DOM. Each step is `await clock.wait(dwell)` then one verb; in virtual pace the wait only moves
 * the clock, so a session of twenty actions costs the page little more than its own rendering.
 */
import { createRng, type Rng } from './rng';
import { realtimeClock, virtualClock, type Clock } from './clock';
import { SimulationError, type PageEnv } from './dom/env';
import { findPersona, interestIn, type Persona } from './personas';
import * as verbs from './verbs';

export type Pace = 'virtual' | 'realtime';

export interface SimulateParams {
  /** Seed of every random choice. Default: a random seed (reported in the result). */
  seed?: string | number;
  /** A built-in persona id or a full persona. Default 'bargain-hunter'. */
  persona?: string | Persona;
  /** 'virtual' (default) advances a virtual clock instead of sleeping; 'realtime' really waits. */
  pace?: Pace;
  /** Realtime only: how many times faster than life. Default 1. */
  speed?: number;
  /**
   * Virtual only: session start, ms since epoch or an ISO date. Default: the time of a hook a runner installed
   * before the page loaded (so the landing page belongs to the session), else now.
   */
  startTime?: number | string;
  /** Label added to every event as `shoplab_run_id`. */
  runId?: string;
  /** Upper bound on actions in the session. Default 60. */
  maxActions?: number;
}

export type Intent = 'buy' | 'browse';
export type Outcome = 'purchase' | 'cart-abandoned' | 'bounce' | 'browsed' | 'error';

export interface TraceEntry {
  /** Clock time of the action, ms since epoch. */
  t: number;
  action: string;
  page: string;
  itemId?: string;
  detail?: string;
}

export interface SimulateResult {
  seed: string;
  clientId: string;
  persona: Persona;
  intent: Intent;
  outcome: Outcome;
  transactionId?: string;
  error?: string;
  startedAt: number;
  endedAt: number;
  actions: TraceEntry[];
  /** The GA4 events the store pushed to dataLayer during the session, in order. */
  events: Record<string, unknown>[];
}

interface SimHook {
  now(): number;
  runId?: string;
  clientId?: string;
  /** Set on hooks the engine installs; a hook without it was put there by a runner before the page loaded. */
  engine?: true;
}

interface SimWindow {
  dataLayer?: unknown[];
  shoplabTag?: { flush(): Promise<void>; leave?(): Promise<void> };
  __shoplabSim?: SimHook;
}

const FAKE_NAMES = ['Alex Kim', 'Sam Rivera', 'Jordan Lee', 'Taylor Chen', 'Morgan Patel', 'Casey Novak'];
const FAKE_CITIES = ['Springfield', 'Riverton', 'Lakeside', 'Fairview', 'Georgetown'];

function startOf(params: SimulateParams, preinstalled: SimHook | undefined): number {
  if (params.startTime === undefined) return preinstalled?.now() ?? Date.now();
  const t = typeof params.startTime === 'number' ? params.startTime : Date.parse(params.startTime);
  if (!Number.isFinite(t)) throw new SimulationError(`startTime is not a date: ${String(params.startTime)}`);
  return t;
}

function readClientId(env: PageEnv): string {
  const m = /(?:^|;\s*)_ga=GA\d\.\d+\.(\d+\.\d+)/.exec(env.doc.cookie);
  return m?.[1] ?? '';
}

class Session {
  readonly actions: TraceEntry[] = [];
  constructor(
    readonly env: PageEnv,
    readonly rng: Rng,
    readonly clock: Clock,
    readonly persona: Persona,
    readonly maxActions: number,
  ) {}

  /** Waits a drawn dwell time (scaled by the persona's patience), then records and runs one action. */
  async step<T>(action: string, medianMs: number, act: () => Promise<T> | T, itemId?: string, detail?: string): Promise<T> {
    if (this.actions.length >= this.maxActions) throw new SessionOver();
    await this.clock.wait(this.rng.logNormal(medianMs * this.persona.traits.patience, 0.6));
    const entry: TraceEntry = { t: this.clock.now(), action, page: verbs.pageKind(this.env) };
    if (itemId) entry.itemId = itemId;
    if (detail) entry.detail = detail;
    this.actions.push(entry);
    return act();
  }

  /** Weights items by the persona's interest in their category and, for the price-sensitive, by cheapness. */
  chooseItem(items: verbs.ListedItem[]): verbs.ListedItem | undefined {
    if (items.length === 0) return undefined;
    const prices = items.map((i) => i.price).sort((a, b) => a - b);
    const median = prices[Math.floor(prices.length / 2)] || 1;
    const ps = this.persona.traits.priceSensitivity;
    const weights = items.map((i) => interestIn(this.persona, i.category) * Math.exp(-ps * 1.5 * (i.price / median)));
    const idx = this.rng.weightedIndex(weights);
    return idx < 0 ? undefined : items[idx];
  }
}

class SessionOver extends Error {}

export async function simulateUser(env: PageEnv, params: SimulateParams = {}): Promise<SimulateResult> {
  const seed = String(params.seed ?? Math.floor(Math.random() * 2 ** 31));
  const persona = findPersona(params.persona);
  const rng = createRng(seed);
  const pace = params.pace ?? 'virtual';
  if (pace !== 'virtual' && pace !== 'realtime') throw new SimulationError(`pace must be "virtual" or "realtime", got "${String(pace)}"`);
  const w = env.win as unknown as SimWindow;
  // A runner's hook means this page was loaded for this session: its load-time events are the session's own.
  const preinstalled = w.__shoplabSim && !w.__shoplabSim.engine ? w.__shoplabSim : undefined;
  const clock = pace === 'virtual' ? virtualClock(startOf(params, preinstalled)) : realtimeClock(env.win, params.speed ?? 1);
  const hook: SimHook = { now: () => clock.now(), engine: true };
  const runId = params.runId ?? preinstalled?.runId;
  if (runId) hook.runId = runId;
  // The tag may not have written the _ga cookie yet (the landing page can still be hydrating): keep the
  // runner's planned client id on offer, or the new user would get a random one.
  if (preinstalled?.clientId) hook.clientId = preinstalled.clientId;
  w.__shoplabSim = hook;
  const layer = (w.dataLayer ??= []);
  const firstEvent = preinstalled ? 0 : layer.length;
  const startedAt = clock.now();
  const s = new Session(env, rng, clock, persona, params.maxActions ?? 60);
  const intent: Intent = rng.chance(persona.traits.buyIntent) ? 'buy' : 'browse';

  let outcome: Outcome = 'browsed';
  let transactionId: string | undefined;
  let error: string | undefined;
  try {
    await verbs.waitSettled(env);
    const result = await shop(s, intent);
    outcome = result.outcome;
    transactionId = result.transactionId;
  } catch (err) {
    if (!(err instanceof SessionOver)) {
      outcome = 'error';
      error = err instanceof Error ? err.message : String(err);
    }
  }
  try {
    const tag = w.shoplabTag;
    if (tag?.leave) await tag.leave();
    else await tag?.flush();
  } catch (err) {
    error ??= `sending events failed: ${String(err)}`;
  }
  const events = layer
    .slice(firstEvent)
    .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && typeof (e as { event?: unknown }).event === 'string')
    .filter((e) => !String(e.event).startsWith('gtm.'))
    .map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
  const result: SimulateResult = {
    seed,
    clientId: readClientId(env),
    persona,
    intent,
    outcome,
    startedAt,
    endedAt: clock.now(),
    actions: s.actions,
    events,
  };
  if (transactionId) result.transactionId = transactionId;
  if (error) result.error = error;
  return result;
}

/** The skeleton policy: look around, open interesting items, maybe buy. */
async function shop(s: Session, intent: Intent): Promise<{ outcome: Outcome; transactionId?: string }> {
  const { env, rng, persona } = s;
  await s.step('scroll', 4000, () => verbs.scrollPage(env, rng.next() * 0.6));
  if (rng.chance(persona.traits.bounce * (intent === 'buy' ? 0.3 : 1))) {
    s.actions.push({ t: s.clock.now(), action: 'leave', page: verbs.pageKind(env), detail: 'bounced' });
    return { outcome: 'bounce' };
  }
  const views = intent === 'buy' ? rng.int(1, 4) : rng.int(1, 3);
  for (let v = 0; v < views; v++) {
    if (verbs.pageKind(env) === 'product') await s.step('back', 2000, () => verbs.goBack(env));
    const item = s.chooseItem(verbs.listedItems(env));
    if (!item) break;
    await s.step('open-item', 3000, () => verbs.openItem(env, item), item.itemId);
    await s.step('scroll', 6000, () => verbs.scrollPage(env, 0.5 + rng.next() * 0.5), item.itemId);
    const product = verbs.productOnPage(env);
    const want = intent === 'buy' ? 0.35 + 0.1 * interestIn(persona, product.category) : persona.traits.impulsiveness * 0.4;
    if (rng.chance(Math.min(0.95, want))) {
      const qty = rng.chance(0.15) ? 2 : 1;
      await s.step('add-to-cart', 5000, () => verbs.addToCart(env, qty), product.itemId, `quantity ${qty}`);
      if (intent === 'buy' && rng.chance(0.6)) break;
    }
  }
  if (verbs.cartSize(env) === 0) {
    s.actions.push({ t: s.clock.now(), action: 'leave', page: verbs.pageKind(env), detail: 'no need met' });
    return { outcome: 'browsed' };
  }
  await s.step('view-cart', 3000, () => verbs.goToCart(env));
  const buys = rng.chance(intent === 'buy' ? 0.75 : 0.2);
  if (!buys) {
    s.actions.push({ t: s.clock.now(), action: 'leave', page: verbs.pageKind(env), detail: 'abandoned the cart' });
    return { outcome: 'cart-abandoned' };
  }
  await s.step('checkout', 4000, () => verbs.startCheckout(env));
  const name = rng.pick(FAKE_NAMES);
  await s.step('fill-checkout', 25_000, () =>
    verbs.fillCheckout(env, {
      fullName: name,
      email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`,
      address: `${rng.int(1, 999)} Main Street`,
      city: rng.pick(FAKE_CITIES),
      postalCode: String(rng.int(10000, 99999)),
    }),
  );
  const transactionId = await s.step('place-order', 5000, () => verbs.placeOrder(env));
  s.actions.push({ t: s.clock.now(), action: 'leave', page: verbs.pageKind(env), detail: 'purchased' });
  return { outcome: 'purchase', transactionId };
}
