import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatVerify, verifyGa4 } from '../../pipeline/verify-ga4';
import { WAREHOUSE_FILE, Warehouse } from '../../warehouse/warehouse';
import { dataOption, parseDay } from '../options';

interface VerifyGa4CliOptions {
  property: string;
  runId?: string;
  realtime?: boolean;
  from?: string;
  to?: string;
  tolerance: number;
  apiEndpoint?: string;
  data: string;
}

function parsePercent(v: string): number {
  const n = Number(v.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--tolerance must be a percentage ≥ 0, got "${v}"`);
  return n;
}

export function registerVerify(program: Command): void {
  const verify = program.command('verify').description('check that data which left the box arrived');
  verify
    .command('ga4')
    .description('compare a GA4 property\'s event counts by name and day (or the last 30 minutes) with the warehouse\'s, via the GA4 Data API; exits 1 beyond the tolerance')
    .requiredOption('--property <id>', 'GA4 property id (digits)')
    .option('--run-id <id>', 'only this simulated run (GA4 side: custom dimension customEvent:shoplab_run_id)')
    .option('--realtime', 'compare the last 30 minutes (runRealtimeReport) instead of days (runReport)')
    .option('--from <date>', 'first day (YYYY-MM-DD); default the warehouse\'s first', parseDay('--from'))
    .option('--to <date>', 'last day (YYYY-MM-DD); default the warehouse\'s last', parseDay('--to'))
    .option('--tolerance <pct>', 'allowed difference per row, in % of the warehouse count', parsePercent, 0)
    .option('--api-endpoint <host:port>', 'a GA4 Data API stand-in over plain HTTP (no credentials); default Google with Application Default Credentials')
    .addOption(dataOption())
    .action(async (o: VerifyGa4CliOptions) => {
      const file = join(o.data, WAREHOUSE_FILE);
      if (!existsSync(file)) throw new Error(`no warehouse at ${file} (pass --data)`);
      const wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
      try {
        const result = await verifyGa4(wh, {
          property: o.property,
          tolerancePct: o.tolerance,
          ...(o.runId !== undefined ? { runId: o.runId } : {}),
          ...(o.realtime ? { realtime: true } : {}),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}),
        });
        process.stdout.write(`${formatVerify(result)}\n`);
        if (!result.ok) process.exitCode = 1;
      } finally {
        await wh.close();
      }
    });
}
