import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RowSource } from '../../pipeline/row-source';
import { DuckdbSource } from '../../pipeline/duckdb-source';
import { DATASETS, DATASET_SPECS, parseDatasets, type DatasetName } from '../../pipeline/datasets';
import { FORMATS, type FileFormat } from '../../pipeline/sinks';
import { runTransform } from '../../pipeline/transform';
import { dataOption, parseDay } from '../options';
import { createProgress } from '../progress';

interface TransformCliOptions {
  source: 'duckdb' | 'bigquery';
  out: string;
  format: FileFormat;
  from?: string;
  to?: string;
  datasets?: DatasetName[];
  data: string;
  project?: string;
  dataset?: string;
  apiEndpoint?: string;
  location?: string;
  quiet?: boolean;
}

async function openSource(o: TransformCliOptions): Promise<RowSource> {
  if (o.source === 'duckdb') return DuckdbSource.open(o.data);
  if (!o.project || !o.dataset) throw new Error('--source bigquery needs --project and --dataset');
  // Loaded only for BigQuery, so that the local path never pays for the Google client.
  const { BigQuerySource } = await import('../../pipeline/bigquery-source');
  return BigQuerySource.open({ projectId: o.project, dataset: o.dataset, ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}), ...(o.location ? { location: o.location } : {}) });
}

export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description(`stream the GA4 export into ML-ready datasets (${DATASETS.join(', ')}) plus manifest.json; see docs/datasets.md`)
    .addOption(new Option('--source <source>', 'where the export is read').choices(['duckdb', 'bigquery']).default('duckdb'))
    .requiredOption('--out <dir>', 'output folder (created; an earlier transform output there is replaced whole)')
    .addOption(new Option('--format <format>', 'file format').choices([...FORMATS]).default('csv'))
    .option('--from <date>', 'first day of the export to read (YYYY-MM-DD)', parseDay('--from'))
    .option('--to <date>', 'last day of the export to read (YYYY-MM-DD)', parseDay('--to'))
    .option('--datasets <list>', `comma-separated subset of: ${DATASETS.join(', ')} (default all)`, (v) => {
      try {
        return parseDatasets(v);
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    })
    .addOption(dataOption())
    .option('--project <id>', 'bigquery: the Google Cloud project')
    .option('--dataset <name>', 'bigquery: the export dataset (analytics_<property>); ground truth is read from <name>_ground_truth')
    .option('--location <loc>', 'bigquery: the dataset location (e.g. EU, US)')
    .option('--api-endpoint <url>', 'bigquery: another endpoint (an emulator or stand-in); then no Google credentials are needed')
    .option('--quiet', 'no progress bar')
    .action(async (o: TransformCliOptions) => {
      const source = await openSource(o);
      try {
        const datasets = o.datasets ?? DATASETS;
        const range = { ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) };
        const total = await source.countEvents(range);
        let current: DatasetName = datasets[0] ?? 'events';
        let step = 0;
        const progress = o.quiet ? undefined : createProgress(total, 'transform', process.stderr, { unit: 'rows', simulation: false, label: () => `transform ${step + 1}/${datasets.length} ${current}` });
        const manifest = await runTransform({
          source,
          out: o.out,
          format: o.format,
          ...range,
          datasets,
          onProgress: (p) => {
            current = p.dataset;
            step = p.finished;
            // The bar counts event rows while `events` is written; other datasets are aggregates of them.
            if (DATASET_SPECS[p.dataset].kind === 'model' && p.dataset === 'events') progress?.update(p.rows, 0);
            else progress?.update(total, 0);
          },
        });
        progress?.end();
        for (const f of manifest.files) console.log(`${f.file}: ${f.rows} rows, ${f.columns.length} columns, ${f.bytes} bytes`);
        for (const s of manifest.skipped) console.log(`${s.dataset}: skipped (${s.reason})`);
        console.log(`shoplab: ${manifest.files.length} files and manifest.json in ${o.out} (${manifest.source_events} export rows)`);
      } finally {
        await source.close();
      }
    });
}
