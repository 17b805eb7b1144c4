import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BigQueryExecutionError, queryBigQuery } from '../../warehouse/bigquery/query-bigquery';
import { translateBigQuery } from '../../warehouse/bigquery/translate-bigquery';
import { formatRows } from '../../warehouse/format';
import { WAREHOUSE_FILE, Warehouse } from '../../warehouse/warehouse';
import { dataOption } from '../options';

interface SqlOptions {
  format: 'table' | 'json' | 'csv';
  dialect: 'bigquery' | 'duckdb';
  dataset?: string;
  printTranslation?: boolean;
  data: string;
}

/** The dataset `shoplab sql` reads: the CLI's warehouse uses the default property. */
const LOCAL_DATASET = 'analytics_shoplab';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run SQL on the warehouse: BigQuery SQL as written for the GA4 export (default), or DuckDB SQL')
    .argument('<query>', 'the SQL query')
    .addOption(
      new Option('--dialect <dialect>', 'bigquery: GA4 export queries run unchanged (`project.dataset.events_*`, _TABLE_SUFFIX, UNNEST, …; see docs/sql.md); duckdb: DuckDB SQL on the local tables')
        .choices(['bigquery', 'duckdb'])
        .default('bigquery'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addOption(
      new Option('--dataset <name>', 'bigquery dialect: the only dataset name queries may use (e.g. analytics_123456); it maps to the local dataset (default: any dataset name maps)'),
    )
    .option('--print-translation', 'bigquery dialect: print the DuckDB SQL the query translates to, and run nothing')
    .addOption(dataOption())
    .action(async (query: string, o: SqlOptions) => {
      const translateOptions = o.dataset === undefined ? {} : { sourceDataset: o.dataset };
      if (o.printTranslation) {
        if (o.dialect !== 'bigquery') throw new Error('--print-translation needs --dialect bigquery');
        process.stdout.write(`${translateBigQuery(query, { ...translateOptions, dataset: LOCAL_DATASET })}\n`);
        return;
      }
      const file = join(o.data, WAREHOUSE_FILE);
      if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
      const wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
      try {
        const rows = await (o.dialect === 'bigquery' ? queryBigQuery(wh, query, translateOptions) : wh.query(query)).catch((error: unknown) => {
          if (error instanceof BigQueryExecutionError) throw new Error(`${error.message} (see it with --print-translation)`, { cause: error });
          throw error;
        });
        process.stdout.write(`${formatRows(rows, o.format)}\n`);
      } finally {
        await wh.close();
      }
    });
}
