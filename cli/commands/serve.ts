import type { Command } from 'commander';
import { startServer } from '../../collector/server';
import { DEFAULT_HOST, DEFAULT_PORT, dataOption, parsePort } from '../options';
import { PUBLIC_DIR } from '../simulate';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the built store and the GA4 collector on one origin')
    .option('--host <host>', 'interface to bind', DEFAULT_HOST)
    .option('--port <port>', 'port (0 = any free port)', parsePort, DEFAULT_PORT)
    .addOption(dataOption())
    .option('--public <dir>', 'built site to serve', PUBLIC_DIR)
    .action(async (o: { host: string; port: number; data: string; public: string }) => {
      const server = await startServer({ host: o.host, port: o.port, dataDir: o.data, publicDir: o.public });
      console.log(`shoplab: store and collector at ${server.url} (warehouse ${server.warehouse.file}); Ctrl-C stops`);
      const stop = (): void => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
