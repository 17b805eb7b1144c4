import type { Command } from 'commander';
import { join } from 'node:path';
import { CONFIG_ENV, CONFIG_FILE, loadCollectorConfig } from '../../collector/collector-config';
import { DATA_SECRETS, loadOrCreateSecret } from '../../collector/data-secret';
import { startServer } from '../../collector/server';
import { TOKEN_ENV } from '../api-client';
import { resolveToken, startDashboardServer } from '../dashboard-server';
import { Ga4Relay } from '../../export/ga4-relay';
import { DEFAULT_HOST, DEFAULT_PORT, PUBLIC_DIR, dataOption, parsePort } from '../options';

interface ServeOptions {
  host: string;
  port: number;
  data: string;
  public: string;
  site: boolean;
  dashboard: boolean;
  config?: string;
  token?: string;
  bigquery?: string;
  bigqueryEndpoint?: string;
  bigqueryLocation?: string;
  forwardGa4?: string;
  apiSecret?: string;
  ga4Endpoint?: string;
}

function ga4Relay(o: ServeOptions): Ga4Relay | undefined {
  const secret = o.apiSecret ?? process.env.SHOPLAB_GA4_API_SECRET;
  if (!o.forwardGa4) {
    if (o.apiSecret !== undefined || o.ga4Endpoint !== undefined) throw new Error('--api-secret and --ga4-endpoint only go with --forward-ga4');
    return undefined;
  }
  if (!secret) throw new Error('--forward-ga4 needs --api-secret (or env SHOPLAB_GA4_API_SECRET)');
  return new Ga4Relay({ measurementId: o.forwardGa4, apiSecret: secret, ...(o.ga4Endpoint ? { endpoint: o.ga4Endpoint } : {}) });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(`serve the built store, the GA4 collector and the live dashboard (/dashboard/, behind the token) on one origin (streams and CORS origins: env ${CONFIG_ENV} or <data>/${CONFIG_FILE})`)
    .option('--host <host>', 'interface to bind', DEFAULT_HOST)
    .option('--port <port>', 'port (0 = any free port)', parsePort, DEFAULT_PORT)
    .addOption(dataOption())
    .option('--public <dir>', 'built site to serve', PUBLIC_DIR)
    .option('--no-site', 'run the collector only, without serving the store')
    .option('--no-dashboard', 'do not mount the live dashboard')
    .option('--config <file>', `collector config JSON (default <data>/${CONFIG_FILE})`)
    .option('--token <token>', `bearer token of the private API (ground truth, queries, /metrics, the dashboard); default env ${TOKEN_ENV}, else <data>/token (created, mode 0600)`)
    .option('--bigquery <project.dataset>', 'also stream accepted events to BigQuery events_intraday_YYYYMMDD tables of this dataset (Application Default Credentials; undelivered rows wait in <data>/bigquery-spool)')
    .option('--bigquery-endpoint <url>', 'with --bigquery: a BigQuery stand-in or emulator instead of Google (no credentials used)')
    .option('--bigquery-location <location>', 'with --bigquery: location of the dataset if it has to be created (e.g. US, EU)')
    .option('--forward-ga4 <measurement-id>', 'also relay every accepted event to this GA4 web stream (G-XXXXXXX) through the Measurement Protocol')
    .option('--api-secret <secret>', 'with --forward-ga4: the stream\'s Measurement Protocol API secret (env SHOPLAB_GA4_API_SECRET)')
    .option('--ga4-endpoint <url>', 'with --forward-ga4: another collect endpoint (a stand-in); default https://www.google-analytics.com')
    .action(async (o: ServeOptions) => {
      const config = loadCollectorConfig(o.config ?? join(o.data, CONFIG_FILE));
      const token = resolveToken(o.data, o.token);
      if (o.bigquery === undefined && (o.bigqueryEndpoint !== undefined || o.bigqueryLocation !== undefined)) throw new Error('--bigquery-endpoint and --bigquery-location need --bigquery PROJECT.DATASET');
      const relay = ga4Relay(o);
      const stream = o.bigquery === undefined
        ? undefined
        : await (await import('../../export/serve-bigquery')).startBigQueryStream({ target: o.bigquery, dataDir: o.data, ...(o.bigqueryEndpoint === undefined ? {} : { apiEndpoint: o.bigqueryEndpoint }), ...(o.bigqueryLocation === undefined ? {} : { location: o.bigqueryLocation }) });
      const onCommit = [...(stream ? [stream.listener] : []), ...(relay ? [relay.onCommit] : [])];
      const options = { host: o.host, port: o.port, dataDir: o.data, ...(o.site ? { publicDir: o.public } : {}), ...config, token, ...(onCommit.length > 0 ? { onCommit } : {}) };
      const running = o.dashboard ? await startDashboardServer(options) : null;
      const server = running?.server ?? (await startServer(options));
      if (stream && o.bigquery) console.log(`shoplab: streaming accepted events to BigQuery ${o.bigquery} (events_intraday_YYYYMMDD)`);
      console.log(`shoplab: ${o.site ? 'store and collector' : 'collector'} at ${server.url} (warehouse ${server.warehouse.file}); Ctrl-C stops`);
      if (!config.streams) {
        // The default stream's secret belongs to the data directory (the server created it if missing); other MP
        // senders need it, the store served here gets it in its pages.
        const secret = loadOrCreateSecret(o.data, DATA_SECRETS.apiSecret);
        console.log(`shoplab: api_secret for G-SHOPLAB: ${secret.value} (kept in ${secret.file})`);
      }
      console.log(`shoplab: private API token ${server.token} (send \`Authorization: Bearer <token>\`; \`shoplab sql --data ${o.data}\` uses it)`);
      if (running) console.log(`shoplab: dashboard at ${running.dashboardUrl} (sign in at ${running.signInUrl} with the token)`);
      if (relay) console.log(`shoplab: relaying accepted events to GA4 stream ${o.forwardGa4} (events older than 72 hours are refused and counted)`);
      const stop = (): void => {
        void (running ? running.close() : server.close())
          .then(() => stream?.close())
          .then(async () => {
            if (!relay) return;
            await relay.close();
            const s = relay.stats();
            console.log(`shoplab: GA4 relay sent ${s.sent} of ${s.received} events (too old ${s.tooOld}, reserved names ${s.reserved}, queue full ${s.queueFull}, failed ${s.failed})`);
          })
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
