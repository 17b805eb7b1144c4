import type { Command } from 'commander';
import { join } from 'node:path';
import { CONFIG_ENV, CONFIG_FILE, loadCollectorConfig } from '../../collector/collector-config';
import { startServer } from '../../collector/server';
import { resolveToken, startDashboardServer } from '../dashboard-server';
import { DEFAULT_HOST, DEFAULT_PORT, dataOption, parsePort } from '../options';
import { PUBLIC_DIR } from '../simulate';

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
    .option('--token <token>', 'the private API token (default: env SHOPLAB_TOKEN, else <data>/token, created when missing)')
    .option('--config <file>', `collector config JSON (default <data>/${CONFIG_FILE})`)
    .action(async (o: { host: string; port: number; data: string; public: string; site: boolean; dashboard: boolean; token?: string; config?: string }) => {
      const config = loadCollectorConfig(o.config ?? join(o.data, CONFIG_FILE));
      const token = resolveToken(o.data, o.token);
      const options = { host: o.host, port: o.port, dataDir: o.data, token, ...(o.site ? { publicDir: o.public } : {}), ...config };
      const running = o.dashboard ? await startDashboardServer(options) : { server: await startServer(options), dashboardUrl: null, signInUrl: null, close: () => Promise.resolve() };
      const server = running.server;
      console.log(`shoplab: ${o.site ? 'store and collector' : 'collector'} at ${server.url} (warehouse ${server.warehouse.file}); Ctrl-C stops`);
      if (running.dashboardUrl) console.log(`shoplab: dashboard at ${running.dashboardUrl} (sign in at ${running.signInUrl} with the token)`);
      console.log(`shoplab: private API token ${server.token}`);
      const stop = (): void => {
        void (o.dashboard ? running.close() : server.close()).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
