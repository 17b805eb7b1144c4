import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INSIGHTS_DIR, saveTraining, summarize, trainAll } from '../../insights/insights';
import { LEFT_OUT_FEATURES } from '../../insights/personas';
import { renderReport } from '../../insights/report';
import { dataOption, parsePositiveInt } from '../options';
import { finishRun, simulateCommand } from '../simulate';
import { readDataset } from './train';

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
