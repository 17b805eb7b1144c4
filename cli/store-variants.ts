/**
 * The store variants an experiment switches between, as the store routes the server mounts for one arm's run. The
 * store itself is the same build in every arm: it asks its server for its own client's per-client parts
 * (ga4/store-recs.ts, ga4/store-offer.ts), and the arm decides what the server answers.
 *
 * - `control`: nothing per client (the collector's defaults: no recommendations, no offers).
 * - `recs`: the trained user-item model's list (insights/recs.ts `alsRecommend` over `<data>/insights/models.json`)
 *   on the home page, for the shoppers the model knows (returning visitors: the report's suggestion); a shopper it
 *   has never seen gets none rather than a best-seller list in disguise.
 * - `freeship`: free standard shipping on every order, shown in the cart as a promotion and applied to the order's
 *   shipping (the report's answer to carts left without a purchase).
 *
 * Every arm answers GET /api/experiment with its name, which the store records as the user property
 * `experiment_arm` (ga4/store-experiment.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from '../collector/api-http';
import { clientIdFromCookie } from '../dashboard/targeting';
import { FREE_SHIPPING_PROMOTION, STORE_EXPERIMENT_PATH, type StoreExperimentResponse } from '../ga4/store-experiment';
import { RECOMMENDED_SHOWN, STORE_RECS_PATH, type StoreRecsResponse } from '../ga4/store-recs';
import type { ModelsFile } from '../insights/insights';
import { alsRecommend } from '../insights/recs';

export const ARMS = ['control', 'recs', 'freeship'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_DESCRIPTIONS: Record<Arm, string> = {
  control: 'the store as built (it is told only its arm)',
  recs: 'a "Recommended for you" list on the home page from the trained user-item model (returning visitors)',
  freeship: 'free standard shipping on every order, shown in the cart as a promotion and applied at checkout',
};

export function parseArms(text: string): Arm[] {
  const arms = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (arms.length === 0) throw new Error('--arms needs at least one arm, e.g. control,recs');
  for (const a of arms) if (!(ARMS as readonly string[]).includes(a)) throw new Error(`unknown arm "${a}": the arms are ${ARMS.join(', ')}`);
  if (new Set(arms).size !== arms.length) throw new Error(`--arms names an arm twice: ${text}`);
  if (arms[0] !== 'control') throw new Error(`--arms must start with control (the arm the others are compared with), got ${text}`);
  return arms as Arm[];
}

/** A catalog product as the store's lists take it (src/data/product.ts ProductSummary), read as plain JSON. */
type CatalogProduct = Record<string, unknown> & { id: string };

const CATALOG_FILE = join(import.meta.dirname, '..', 'src', 'data', 'catalog.json');

/** The store's products by id, without the long text a list does not show (as the store's own lists carry them). */
export function catalogSummaries(file = CATALOG_FILE): Map<string, CatalogProduct> {
  const catalog = JSON.parse(readFileSync(file, 'utf8')) as { products: CatalogProduct[] };
  return new Map(catalog.products.map((p) => [p.id, Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'description' && k !== 'variants')) as CatalogProduct]));
}

function sendJson(res: Parameters<Route['handle']>[1], status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, no-store', vary: 'Cookie', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** The ranked item ids the model gives a client it knows; none for a client it has never seen. */
export function recommendationsFor(models: Pick<ModelsFile, 'recommendations'>, clientId: string, k = RECOMMENDED_SHOWN): string[] {
  const { als, popular } = models.recommendations;
  if (!als.users.includes(clientId)) return [];
  return alsRecommend(als, clientId, k, popular);
}

/** GET /api/recommendations: the list of the caller's own client id (from its `_ga` cookie), never another's. */
export function recommendationsRoute(models: Pick<ModelsFile, 'recommendations'>, products = catalogSummaries()): Route {
  return {
    prefix: STORE_RECS_PATH,
    handle(req, res, url) {
      if (url.pathname !== STORE_RECS_PATH) return sendJson(res, 404, { error: `not found: ${url.pathname}` });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `use GET for ${STORE_RECS_PATH}` });
      const clientId = clientIdFromCookie(req.headers.cookie);
      const ids = clientId === null ? [] : recommendationsFor(models, clientId);
      const body: StoreRecsResponse = { products: ids.flatMap((id) => products.get(id) ?? []) };
      sendJson(res, 200, body);
    },
  };
}

/** What GET /api/experiment answers in one arm. */
export function experimentAnswer(arm: Arm): StoreExperimentResponse {
  return { arm, freeShipping: arm === 'freeship' ? { freeStandardFrom: 0, promotion: FREE_SHIPPING_PROMOTION } : null };
}

/** GET /api/experiment: the arm this server runs, the same for every caller. */
export function experimentRoute(arm: Arm): Route {
  const body = experimentAnswer(arm);
  return {
    prefix: STORE_EXPERIMENT_PATH,
    handle(req, res, url) {
      if (url.pathname !== STORE_EXPERIMENT_PATH) return sendJson(res, 404, { error: `not found: ${url.pathname}` });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `use GET for ${STORE_EXPERIMENT_PATH}` });
      sendJson(res, 200, body);
    },
  };
}

/** The store routes of one arm's run. */
export function armRoutes(arm: Arm, models: Pick<ModelsFile, 'recommendations'>): Route[] {
  switch (arm) {
    case 'control':
    case 'freeship':
      return [experimentRoute(arm)];
    case 'recs':
      return [experimentRoute(arm), recommendationsRoute(models)];
  }
}
