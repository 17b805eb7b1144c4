import { InvalidArgumentError, Option, type Command } from 'commander';
import { runIdProblem } from '../../ga4/run-id';
import { DRIVER_NAMES, type DriverName } from '../../headless/drivers/driver';
import type { RunPace } from '../../headless/runner';
import { dataOption, parseDate, parsePositiveInt } from '../options';
import { finishRun, printDryRun, simulateCommand } from '../simulate';

function parseRunId(v: string): string {
  const problem = runIdProblem(v);
  if (problem !== null) throw new InvalidArgumentError(problem);
  return v;
}

function parseDays(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--days must be a number > 0, got "${v}"`);
  return n;
}

interface Flags {
  users: number;
  concurrency: number;
  seed: string;
  persona?: string[];
  population?: string;
  start?: number;
  days: number;
  driver: DriverName;
  pace: RunPace;
  shard: string;
  runId?: string;
  resume?: boolean;
  dryRun?: boolean;
  url?: string;
  token?: string;
  json?: boolean;
  reusePages: boolean;
  data: string;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run simulated shoppers through the store in headless Chromium (resumable, shardable)')
    .option('--users <n>', 'users in the population; each visits at least once', parsePositiveInt('--users'), 50)
    .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
    .option('--seed <seed>', 'seed of every random choice', 'shoplab')
    .option('--population <file>', 'population file: {"segments":[{"persona", "weight", "visitsPerWeek"}]} (default: built-in personas)')
    .option('--persona <ids...>', 'built-in persona ids to draw from when no --population is given (default: all)')
    .option('--start <date>', 'start of simulated time (default: --days before now; now in realtime pace)', parseDate)
    .option('--days <d>', 'days of simulated traffic', parseDays, 1)
    .addOption(new Option('--driver <name>', 'browser automation library').choices(DRIVER_NAMES).default('puppeteer'))
    .addOption(new Option('--pace <pace>', 'virtual: as fast as possible on a simulated clock; realtime: each session at its wall-clock time').choices(['virtual', 'realtime']).default('virtual'))
    .option('--shard <k/n>', 'run only shard k of n (users split deterministically); n shards = one unsharded run', '1/1')
    .option('--run-id <id>', 'label for this run: up to 64 of A-Z a-z 0-9 . _ -, not starting with a dot (default: generated)', parseRunId)
    .option('--resume', 'continue the run --run-id from its journal without repeating a finished session')
    .option('--dry-run', 'plan and print the sessions without launching a browser')
    .option('--url <url>', "a store already being served (default: serve ./public with an in-process collector). A ShopLab server (`shoplab serve`) takes the ground truth through its private API; another store's truth goes to <data>/runs/<run>.truth.ndjson for `shoplab truth import`")
    .option('--token <token>', 'with --url to a ShopLab server: its private API token (default env SHOPLAB_TOKEN, else <data>/token)')
    .option('--json', 'print the summary as JSON')
    .option('--no-reuse-pages', 'load the store afresh for every visit instead of landing client-side on a reused page (slower; for diagnosing a store)')
    .addOption(dataOption())
    .action(async (o: Flags) => {
      const outcome = await simulateCommand({ ...o, softVisits: o.reusePages, quiet: o.json || o.dryRun });
      if (o.dryRun) {
        printDryRun(outcome, !!o.json);
        return;
      }
      finishRun(outcome, !!o.json);
    });
}
