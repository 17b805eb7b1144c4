/**
 * The collector with the live dashboard mounted: `shoplab serve` and `npm run demo -- --live` start it, and so do
 * the dashboard's browser tests and bench. The dashboard's routes go behind the server's token (its page, event
 * stream and JSON) or stay public (the sign-in page and the store's GET /api/offers); its commit listener keeps
 * the numbers current; it is seeded once from what the warehouse already holds.
 */
import { join } from 'node:path';
import { checkSecret } from '../collector/data-secret';
import { loadOrCreateToken } from '../collector/private-api';
import { startServer, type RunningServer, type ServerOptions } from '../collector/server';
import { createDashboard, SIGN_IN_PATH, type Dashboard, type DashboardOptions } from '../dashboard/dashboard';
import { loadModelScorer } from '../dashboard/propensity-model';
import { TOKEN_ENV } from './api-client';

export interface DashboardServer {
  server: RunningServer;
  dashboard: Dashboard;
  /** `<url>/dashboard/`. */
  dashboardUrl: string;
  signInUrl: string;
  /** Resolves once the dashboard has counted what the warehouse held at start. */
  seeded: Promise<void>;
  close(): Promise<void>;
}

/** The token per the contract: `--token`, else env SHOPLAB_TOKEN, else `<data>/token` (created when missing). */
export function resolveToken(dataDir: string, given?: string): string {
  const env = process.env[TOKEN_ENV];
  return given !== undefined ? checkSecret(given, '--token') : env ? checkSecret(env, TOKEN_ENV) : loadOrCreateToken(dataDir).value;
}

export async function startDashboardServer(options: ServerOptions, dashboardOptions: DashboardOptions = {}): Promise<DashboardServer> {
  // The insights stage's trained propensity model scores the visitors when `shoplab train` has saved one.
  const model = dashboardOptions.score ? null : loadModelScorer(options.dataDir);
  const dashboard = createDashboard({ targetingFile: join(options.dataDir, 'dashboard', 'targeting.json'), ...(model ? { score: model } : {}), ...dashboardOptions });
  let server: RunningServer;
  try {
    server = await startServer({
      ...options,
      privateRoutes: [...(options.privateRoutes ?? []), ...dashboard.privateRoutes],
      storeRoutes: [...(options.storeRoutes ?? []), ...dashboard.storeRoutes],
      onCommit: [...(options.onCommit ?? []), dashboard.onCommit],
    });
  } catch (error) {
    dashboard.close();
    throw error;
  }
  // Seeded after listening: on a large warehouse the sessions model takes a while, and the store and ingest need
  // not wait for it (committed lines queue meanwhile and are applied after the seed).
  const seeded = dashboard.seed(server.warehouse).catch((error: unknown) => {
    (options.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(`dashboard: could not seed from the warehouse: ${error instanceof Error ? error.message : String(error)}`);
  });
  return {
    server,
    dashboard,
    seeded,
    dashboardUrl: `${server.url}/dashboard/`,
    signInUrl: `${server.url}${SIGN_IN_PATH}/`,
    async close() {
      await seeded;
      dashboard.close();
      await server.close();
    },
  };
}
