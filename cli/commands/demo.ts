import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INSIGHTS_DIR, saveTraining, summarize, trainAll } from '../../insights/insights';
import { LEFT_OUT_FEATURES } from '../../insights/personas';
import { renderReport } from '../../insights/report';
import { resolveToken, startDashboardServer } from '../dashboard-server';
import { dataOption, DEFAULT_HOST, parsePort, parsePositiveInt } from '../options';
import { finishRun, PUBLIC_DIR, simulateCommand } from '../simulate';
import { readDataset } from './train';

const HOUR_MS = 3600_000;

/**
 * `--live`: serves the store with the dashboard, prints where to look, then plays shoppers an hour of store time at
 * a time, each hour over one real minute (the engine's virtual clock stamps the events; the dashboard reads event
 * time, so its per-minute chart runs like a live afternoon), until Ctrl-C.
 */
async function live(o: { users: number; concurrency: number; seed: string; data: string; host: string; port: number; token?: string; minuteMs: number }): Promise<void> {
  if (!existsSync(join(PUBLIC_DIR, 'index.html'))) throw new Error('the store is not built; run `node scripts/setup.mjs` (or `npm run build`) first');
  const running = await startDashboardServer({ host: o.host, port: o.port, dataDir: o.data, publicDir: PUBLIC_DIR, token: resolveToken(o.data, o.token) });
  console.log(`shoplab: store at ${running.server.url}/`);
  console.log(`shoplab: dashboard at ${running.dashboardUrl} — sign in at ${running.signInUrl} with the token`);
  console.log(`shoplab: private API token ${running.server.token}`);
  console.log('shoplab: shoppers arrive an hour of store time per minute; Ctrl-C stops');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  // Store time starts this morning at 09:00 UTC and moves an hour per real minute.
  const day = new Date();
  let storeTime = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 9);
  let hour = 0;
  try {
    while (!stop.signal.aborted) {
      const began = Date.now();
      const outcome = await simulateCommand({
        users: o.users,
        concurrency: o.concurrency,
        seed: `${o.seed}-${hour}`,
        data: o.data,
        url: running.server.url,
        token: running.server.token,
        start: storeTime,
        days: 1 / 24,
        quiet: true,
        signal: stop.signal,
      });
      console.log(`shoplab: ${new Date(storeTime).toISOString().slice(11, 16)} UTC store time: ${outcome.sessions.length} sessions`);
      storeTime += HOUR_MS;
      hour++;
      const rest = o.minuteMs - (Date.now() - began);
      if (rest > 0 && !stop.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, rest);
          stop.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    }
  } finally {
    await running.close();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulate a week of the default population on the built store and print what landed in the warehouse; --live: watch shoppers on the dashboard instead')
    .option('--users <n>', 'users in the population (with returning visits, about twice as many sessions); with --live, users per hour of store time', parsePositiveInt('--users'))
    .option('--days <d>', 'days of simulated traffic, ending now', parsePositiveInt('--days'), 7)
    .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'))
    .option('--seed <seed>', 'seed of every random choice', 'demo')
    .option('--live', 'serve the store with the dashboard and run shoppers at a watchable pace (an hour of store time a minute) until Ctrl-C')
    .option('--host <host>', 'with --live: interface to bind', DEFAULT_HOST)
    .option('--port <port>', 'with --live: port (0 = any free port)', parsePort, 8000)
    .option('--token <token>', 'with --live: the private API token (default: env SHOPLAB_TOKEN, else <data>/token)')
    .addOption(dataOption())
    .action(async (o: { users?: number; days: number; concurrency?: number; seed: string; data: string; live?: boolean; host: string; port: number; token?: string }) => {
      if (o.live) {
        await live({ users: o.users ?? 12, concurrency: o.concurrency ?? 2, seed: o.seed, data: o.data, host: o.host, port: o.port, ...(o.token ? { token: o.token } : {}), minuteMs: 60_000 });
        return;
      }
      const outcome = await simulateCommand({ users: o.users ?? 100, days: o.days, concurrency: o.concurrency ?? 4, seed: o.seed, data: o.data });
      finishRun(outcome, false);
      console.log('\nQuery it, for example:');
      console.log(`  npx shoplab sql --data ${o.data} "SELECT event_name, count(*) AS n FROM analytics_shoplab.events GROUP BY 1 ORDER BY 2 DESC"`);
      // The demo ends where an analyst would: the insights trained on its own data, and the report.
      process.stderr.write('\ntraining the insights on this data…\n');
      const ds = await readDataset(o.data);
      const trained = trainAll(ds, o.seed);
      saveTraining(o.data, ds, trained, LEFT_OUT_FEATURES);
      const report = resolve(join(o.data, INSIGHTS_DIR, 'report.html'));
      writeFileSync(report, renderReport(summarize(ds, trained, LEFT_OUT_FEATURES)));
      console.log(`\nInsights report: ${report}`);
    });
}
