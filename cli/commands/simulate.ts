import type { Command } from 'commander';
import { dataOption, parseDate, parsePositiveInt } from '../options';
import { printOutcome, simulateCommand } from '../simulate';

export function registerSimulate(program: Command): void {
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
}
