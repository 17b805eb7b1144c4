import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exportToBigQuery, formatPlan, planExport, type ExportOptions } from '../../export/export-bigquery';
import { WAREHOUSE_FILE, Warehouse } from '../../warehouse/warehouse';
import { dataOption } from '../options';
import { createProgress } from '../progress';

interface ExportBigQueryFlags {
  project: string;
  dataset: string;
  truthDataset?: string;
  from?: string;
  to?: string;
  location?: string;
  apiEndpoint?: string;
  format: 'parquet' | 'ndjson';
  dryRun?: boolean;
  data: string;
}

export function registerExport(program: Command): void {
  const exportCommand = program.command('export').description('copy the warehouse out of this machine');
  exportCommand
    .command('bigquery')
    .description(
      'load the warehouse into BigQuery as GA4 exports it: events_YYYYMMDD and pseudonymous_users_YYYYMMDD per day (one load job each, replacing the day), the ground truth in its own dataset. Credentials: Application Default Credentials, or none with --api-endpoint',
    )
    .requiredOption('--project <id>', 'Google Cloud project id')
    .requiredOption('--dataset <id>', 'export dataset (GA4 names it analytics_<property id>); created if missing')
    .option('--truth-dataset <id>', 'dataset for the ground truth (default <dataset>_ground_truth)')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: the first day in the warehouse)')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: the last day in the warehouse)')
    .option('--location <location>', 'location of datasets created and of the load jobs, e.g. US or EU')
    .option('--api-endpoint <url>', 'a BigQuery stand-in or emulator, e.g. http://127.0.0.1:9050 (no Google credentials used)')
    .addOption(new Option('--format <format>', 'file format of the load jobs').choices(['parquet', 'ndjson']).default('parquet'))
    .option('--dry-run', 'print the plan (days, rows, tables) and change nothing')
    .addOption(dataOption())
    .action(async (o: ExportBigQueryFlags) => {
      const file = join(o.data, WAREHOUSE_FILE);
      if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
      if (o.apiEndpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(o.apiEndpoint)) {
        throw new Error(`--api-endpoint must be a base URL such as http://127.0.0.1:9050, got "${o.apiEndpoint}"`);
      }
      const options: ExportOptions = {
        dataDir: o.data,
        projectId: o.project,
        dataset: o.dataset,
        format: o.format,
        ...(o.truthDataset === undefined ? {} : { truthDataset: o.truthDataset }),
        ...(o.from === undefined ? {} : { from: o.from }),
        ...(o.to === undefined ? {} : { to: o.to }),
        ...(o.location === undefined ? {} : { location: o.location }),
        ...(o.apiEndpoint === undefined ? {} : { apiEndpoint: o.apiEndpoint }),
      };
      const wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
      let plan;
      try {
        plan = await planExport(wh, options);
      } finally {
        await wh.close();
      }
      if (o.dryRun) {
        process.stdout.write(`${formatPlan(plan)}\n`);
        return;
      }
      const progress = createProgress(plan.days.length, 'export', process.stderr, { unit: 'days' });
      const result = await exportToBigQuery(options, {
        onTable: (_table, dayIndex, events) => progress.update(Math.min(dayIndex + 1, plan.days.length), 0, events),
      }).finally(() => progress.end());
      const events = result.plan.days.reduce((n, d) => n + d.events, 0);
      process.stdout.write(
        `exported ${events} events over ${result.plan.days.length} days to ${result.plan.project}:${result.plan.dataset} (${result.loaded.length} tables${result.plan.truth.length > 0 ? `, ground truth in ${result.plan.truthDataset}` : ''})\n`,
      );
    });
}
