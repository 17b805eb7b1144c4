/**
 * The dashboard's two per-session scores, as plain formulas (docs/dashboard.md "Scores"). Both read only what a
 * session has done so far, so that they can be updated as each event commits.
 */

/** How far a session got down the purchase funnel. */
export const STAGES = ['browsing', 'viewed_item', 'cart', 'checkout', 'purchased'] as const;
export type Stage = 0 | 1 | 2 | 3 | 4;

/** What the scores read of a session. */
export interface SessionSignals {
  /** Sum of the session's engagement_time_msec. */
  engagementMs: number;
  pageViews: number;
  stage: Stage;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * Engagement score, 0–100: 40 points for engaged time (full at 3 minutes), 30 for depth of browsing (full at 10
 * page views), 30 for how far down the funnel the session went (a quarter per step past browsing). Weighted
 * towards time because GA4's own engagement measure is time in the foreground; the funnel part separates a long
 * read of one page from a shopper with a cart.
 */
export function engagementScore(s: SessionSignals): number {
  const time = clamp01(s.engagementMs / 180_000);
  const depth = clamp01((s.pageViews - 1) / 9);
  const funnel = s.stage / 4;
  return Math.round(1000 * (40 * time + 30 * depth + 30 * funnel)) / 1000;
}

/**
 * Purchase propensity by rule, 0–1, used until the insights stage's model is available: a purchase is 1; otherwise
 * a base rate plus the steps taken (the later the step, the larger its weight, as conversion from each step rises
 * along the funnel), plus a little for engaged time and pages. Capped below 1 so that only a purchase reaches it.
 */
export function ruleScore(s: SessionSignals): number {
  if (s.stage === 4) return 1;
  const p =
    0.02 +
    (s.stage >= 1 ? 0.06 : 0) +
    (s.stage >= 2 ? 0.22 : 0) +
    (s.stage >= 3 ? 0.35 : 0) +
    0.1 * clamp01(s.engagementMs / 300_000) +
    0.05 * clamp01(s.pageViews / 10);
  return Math.round(1000 * Math.min(0.99, p)) / 1000;
}
