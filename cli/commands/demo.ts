import type { Command } from 'commander';
import { dataOption, parsePositiveInt } from '../options';
import { finishRun, simulateCommand } from '../simulate';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulate a default population on the built store and print what landed in the warehouse')
    .option('--users <n>', 'sessions to run', parsePositiveInt('--users'), 50)
    .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
    .option('--seed <seed>', 'seed of every random choice', 'demo')
    .addOption(dataOption())
    .action(async (o: { users: number; concurrency: number; seed: string; data: string }) => {
      const outcome = await simulateCommand(o);
      finishRun(outcome, false);
      console.log('\nQuery it, for example:');
      console.log(`  npx shoplab sql --data ${o.data} "SELECT event_name, count(*) AS n FROM analytics_shoplab.events GROUP BY 1 ORDER BY 2 DESC"`);
    });
}
