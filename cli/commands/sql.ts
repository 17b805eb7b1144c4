import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatRows } from '../../warehouse/format';
import { WAREHOUSE_FILE, Warehouse } from '../../warehouse/warehouse';
import { dataOption } from '../options';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run DuckDB SQL on the warehouse')
    .argument('<query>', 'the SQL query')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addOption(dataOption())
    .action(async (query: string, o: { format: 'table' | 'json' | 'csv'; data: string }) => {
      const file = join(o.data, WAREHOUSE_FILE);
      if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
      const wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
      try {
        const rows = await wh.query(query);
        process.stdout.write(`${formatRows(rows, o.format)}\n`);
      } finally {
        await wh.close();
      }
    });
}
