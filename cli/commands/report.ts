import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INSIGHTS_DIR, loadSummary } from '../../insights/insights';
import { renderReport } from '../../insights/report';
import { dataOption } from '../options';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the insights report (one self-contained HTML file, opens from disk) from what `shoplab train` saved')
    .option('--out <file>', 'where to write it (default: <data>/insights/report.html)')
    .addOption(dataOption())
    .action((o: { data: string; out?: string }) => {
      const html = renderReport(loadSummary(o.data));
      const file = resolve(o.out ?? join(o.data, INSIGHTS_DIR, 'report.html'));
      writeFileSync(file, html);
      console.log(file);
    });
}
