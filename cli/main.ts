/** The one CLI, `shoplab`. Every command has --help; a failure exits non-zero with a one-line reason. */
import { Command, Option } from 'commander';
import { startServer } from '../collector/server';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WAREHOUSE_FILE, Warehouse } from '../warehouse/warehouse';
import { formatRows } from '../warehouse/format';
import { DEFAULT_HOST, DEFAULT_PORT, defaultDataDir, parseDate, parsePort, parsePositiveInt } from './options';
import { PUBLIC_DIR, printOutcome, simulateCommand } from './simulate';

const program = new Command()
  .name('shoplab')
  .description('A GA4-instrumented demo store, virtual shoppers, and the GA4 BigQuery export they produce.')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `shoplab: ${str.slice(7)}` : str) });

const dataOption = (): Option => new Option('--data <dir>', 'warehouse and run files (env SHOPLAB_DATA)').default(defaultDataDir(), '$SHOPLAB_DATA or ./data');

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

program
  .command('simulate')
  .description('run simulated shoppers through the store in headless Chromium')
  .option('--users <n>', 'sessions to run', parsePositiveInt('--users'), 50)
  .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
  .option('--seed <seed>', 'seed of every random choice', 'shoplab')
  .option('--persona <ids...>', 'built-in persona ids to draw from (default: all)')
  .option('--start <date>', 'virtual start of the first session (default: 24 h ago)', parseDate)
  .option('--run-id <id>', 'label for this run (default: generated)')
  .option('--url <url>', 'a store already being served (default: serve ./public with an in-process collector)')
  .option('--json', 'print the summary as JSON')
  .addOption(dataOption())
  .action(async (o: { users: number; concurrency: number; seed: string; persona?: string[]; start?: number; runId?: string; url?: string; json?: boolean; data: string }) => {
    const outcome = await simulateCommand({ ...o, quiet: o.json });
    printOutcome(outcome, !!o.json);
    if (outcome.failed === outcome.sessions.length) throw new Error('every session failed');
  });

program
  .command('sql')
  .description('run DuckDB SQL on the warehouse')
  .argument('<query>', 'the SQL query')
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
  .addOption(dataOption())
  .action(async (query: string, o: { format: 'table' | 'json' | 'csv'; data: string }) => {
    if (!existsSync(join(o.data, WAREHOUSE_FILE))) throw new Error(`no warehouse at ${join(o.data, WAREHOUSE_FILE)} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
    const wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
    try {
      const rows = await wh.query(query);
      process.stdout.write(`${formatRows(rows, o.format)}\n`);
    } finally {
      await wh.close();
    }
  });

program
  .command('demo')
  .description('simulate a default population on the built store and print what landed in the warehouse')
  .option('--users <n>', 'sessions to run', parsePositiveInt('--users'), 50)
  .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
  .option('--seed <seed>', 'seed of every random choice', 'demo')
  .addOption(dataOption())
  .action(async (o: { users: number; concurrency: number; seed: string; data: string }) => {
    const outcome = await simulateCommand(o);
    printOutcome(outcome, false);
    console.log('\nQuery it, for example:');
    console.log(`  npx shoplab sql --data ${o.data} "SELECT event_name, count(*) AS n FROM analytics_shoplab.events GROUP BY 1 ORDER BY 2 DESC"`);
    if (outcome.failed === outcome.sessions.length) throw new Error('every session failed');
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`shoplab: ${msg.split('\n')[0]}\n`);
  process.exitCode = 1;
}
