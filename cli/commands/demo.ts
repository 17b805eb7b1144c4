import type { Command } from 'commander';
import { dataOption, parsePositiveInt } from '../options';
import { finishRun, simulateCommand } from '../simulate';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulate a week of the default population on the built store and print what landed in the warehouse')
    .option('--users <n>', 'users in the population (with returning visits, about twice as many sessions)', parsePositiveInt('--users'), 100)
    .option('--days <d>', 'days of simulated traffic, ending now', parsePositiveInt('--days'), 7)
    .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
    .option('--seed <seed>', 'seed of every random choice', 'demo')
    .addOption(dataOption())
    .action(async (o: { users: number; days: number; concurrency: number; seed: string; data: string }) => {
      const outcome = await simulateCommand(o);
      finishRun(outcome, false);
      console.log('\nQuery it, for example:');
      console.log(`  npx shoplab sql --data ${o.data} "SELECT event_name, count(*) AS n FROM analytics_shoplab.events GROUP BY 1 ORDER BY 2 DESC"`);
    });
}
