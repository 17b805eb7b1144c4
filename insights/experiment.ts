/**
 * An experiment's figures per arm, read from the warehouse through the analysis model `experiment_users` (one row
 * per shopper and run): conversion rate (share of shoppers with an order), revenue per user and order value, each
 * with a 95 % interval, and each arm's difference from control with its interval.
 *
 * Every arm runs the same shoppers with the same seeds, so the differences in conversion rate and revenue per user
 * are paired: the mean over shoppers of (arm − control) for the same shopper, whose interval is far narrower than
 * two independent samples would give and says what the variant did to these very people. Order value is a ratio
 * (revenue over orders) whose orders differ between arms; its interval is the delta method's (Deng et al.,
 * "Applying the Delta Method in Metric Analytics", KDD 2018) over shoppers, and its difference is taken as of two
 * independent estimates. Intervals are normal approximations (z = 1.96), as the dashboard's lift is.
 */
import { queryModel } from '../analysis/models';
import type { JsonValue, Warehouse } from '../warehouse/warehouse';
import { meanInterval } from './metrics';

/** One shopper in one arm's run. */
export interface ArmUser {
  userId: string;
  sessions: number;
  orders: number;
  revenue: number;
  /** Shipping charged on their orders. */
  shipping: number;
  /** The user property `experiment_arm` the store recorded on their events; null if none. */
  arm: string | null;
  /** view_item_list / select_item events of the recommended list (item_list_id `home_recommended`). */
  recommendedViews: number;
  recommendedSelects: number;
  /** view_promotion events of the cart's free-shipping promotion (promotion_id `free_shipping_cart`). */
  freeShippingViews: number;
}

/** An estimate and its 95 % interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface ArmFigures {
  users: number;
  sessions: number;
  converters: number;
  orders: number;
  revenue: number;
  conversionRate: Estimate;
  revenuePerUser: Estimate;
  orderValue: Estimate;
  /** Shipping charged over all orders (a cost the free-shipping arm moves to the store). */
  shipping: number;
  /** Shoppers whose events carry the user property `experiment_arm`, by its value. */
  recordedArms: Record<string, number>;
  /** Shoppers who were shown / who followed the recommended list. */
  recommendedShownTo: number;
  recommendedFollowedBy: number;
  /** Shoppers whose cart showed the free-shipping promotion. */
  freeShippingShownTo: number;
}

export interface ArmDifference {
  /** Shoppers in both arms (the pairs the paired differences are over). */
  pairedUsers: number;
  conversionRate: Estimate;
  revenuePerUser: Estimate;
  orderValue: Estimate;
}

const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);

/** The shoppers of one run, ordered by client id. */
export async function readArmUsers(wh: Warehouse, runId: string): Promise<ArmUser[]> {
  const rows = await queryModel(wh, 'experiment_users', { where: 'run_id = ?', params: [runId], orderBy: 'user_pseudo_id' });
  return rows.map((r) => ({
    userId: typeof r.user_pseudo_id === 'string' ? r.user_pseudo_id : '',
    sessions: num(r.sessions),
    orders: num(r.orders),
    revenue: num(r.revenue),
    shipping: num(r.shipping),
    arm: typeof r.experiment_arm === 'string' ? r.experiment_arm : null,
    recommendedViews: num(r.recommended_views),
    recommendedSelects: num(r.recommended_selects),
    freeShippingViews: num(r.free_shipping_views),
  }));
}

/** Figures stay readable and reproduce byte for byte in JSON: six decimals are finer than any interval here. */
const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : NaN);
const estimate = (value: number, half: number): Estimate => ({ value: round(value), low: round(value - half), high: round(value + half) });
const fromMean = (values: readonly number[]): Estimate => {
  const m = meanInterval(values);
  return estimate(m.mean, m.high - m.mean);
};

/** Revenue over orders, with the delta method's variance of a ratio of per-shopper sums. */
function ratio(users: readonly ArmUser[]): { value: number; variance: number } {
  const n = users.length;
  const orders = users.reduce((s, u) => s + u.orders, 0);
  if (n === 0 || orders === 0) return { value: NaN, variance: NaN };
  const xBar = orders / n;
  const yBar = users.reduce((s, u) => s + u.revenue, 0) / n;
  const r = yBar / xBar;
  if (n < 2) return { value: r, variance: 0 };
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const u of users) {
    sxx += (u.orders - xBar) ** 2;
    syy += (u.revenue - yBar) ** 2;
    sxy += (u.orders - xBar) * (u.revenue - yBar);
  }
  const d = n - 1;
  return { value: r, variance: Math.max(0, (syy / d - 2 * r * (sxy / d) + r * r * (sxx / d)) / (n * xBar * xBar)) };
}

/** Shoppers per recorded arm, keys sorted so that the JSON of two runs is identical; '(none)' for no property. */
function recordedArms(users: readonly ArmUser[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const u of users) counts.set(u.arm ?? '(none)', (counts.get(u.arm ?? '(none)') ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

export function armFigures(users: readonly ArmUser[]): ArmFigures {
  const aov = ratio(users);
  return {
    users: users.length,
    sessions: users.reduce((s, u) => s + u.sessions, 0),
    converters: users.filter((u) => u.orders > 0).length,
    orders: users.reduce((s, u) => s + u.orders, 0),
    revenue: round(users.reduce((s, u) => s + u.revenue, 0)),
    conversionRate: fromMean(users.map((u) => (u.orders > 0 ? 1 : 0))),
    revenuePerUser: fromMean(users.map((u) => u.revenue)),
    orderValue: estimate(aov.value, 1.96 * Math.sqrt(aov.variance)),
    shipping: round(users.reduce((s, u) => s + u.shipping, 0)),
    recordedArms: recordedArms(users),
    recommendedShownTo: users.filter((u) => u.recommendedViews > 0).length,
    recommendedFollowedBy: users.filter((u) => u.recommendedSelects > 0).length,
    freeShippingShownTo: users.filter((u) => u.freeShippingViews > 0).length,
  };
}

/** `arm` − `control`: paired over the shoppers in both for conversion and revenue per user (see the file's note). */
export function armDifference(arm: readonly ArmUser[], control: readonly ArmUser[]): ArmDifference {
  const base = new Map(control.map((u) => [u.userId, u]));
  const pairs = arm.flatMap((u) => {
    const c = base.get(u.userId);
    return c ? [[u, c] as const] : [];
  });
  const a = ratio(arm);
  const c = ratio(control);
  return {
    pairedUsers: pairs.length,
    conversionRate: fromMean(pairs.map(([u, v]) => (u.orders > 0 ? 1 : 0) - (v.orders > 0 ? 1 : 0))),
    revenuePerUser: fromMean(pairs.map(([u, v]) => u.revenue - v.revenue)),
    orderValue: estimate(a.value - c.value, 1.96 * Math.sqrt(a.variance + c.variance)),
  };
}

/** `12.3 % [10.1 %, 14.5 %]` or `$41.20 [$38.00, $44.40]`. */
export function formatEstimate(e: Estimate, kind: 'share' | 'money'): string {
  // A difference that rounds to zero prints as zero, not as "-$0.00".
  const f = (x: number): string => (!Number.isFinite(x) ? 'n/a' : kind === 'share' ? `${(x * 100).toFixed(1)} %` : `${x <= -0.005 ? '-' : ''}$${Math.abs(x).toFixed(2)}`);
  return `${f(e.value)} [${f(e.low)}, ${f(e.high)}]`;
}
