import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../insights/dataset';
import { saveTraining, trainAll } from '../../insights/insights';
import { LEFT_OUT_FEATURES } from '../../insights/personas';
import { formatScore } from '../../insights/scorecard';
import { WAREHOUSE_FILE, Warehouse } from '../../warehouse/warehouse';
import { dataOption } from '../options';

/** Opens the data directory's warehouse read-only and reads the insights dataset from it. */
export async function readDataset(data: string): Promise<Awaited<ReturnType<typeof loadDataset>>> {
  const file = join(data, WAREHOUSE_FILE);
  if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` first, or pass --data)`);
  const wh = await Warehouse.open({ dataDir: data, readOnly: true });
  try {
    return await loadDataset(wh);
  } finally {
    await wh.close();
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the insights (personas, purchase propensity, recommendations, segments) on the warehouse and its ground truth; save the models under <data>/insights/ and print every metric beside its baseline')
    .option('--seed <seed>', 'seed of the train/test split and every model', 'shoplab')
    .option('--json', 'print the metrics as JSON')
    .addOption(dataOption())
    .action(async (o: { seed: string; data: string; json?: boolean }) => {
      const ds = await readDataset(o.data);
      process.stderr.write(`training on ${ds.manifest.users} users, ${ds.manifest.sessions} sessions (fingerprint ${ds.manifest.fingerprint.slice(0, 12)})\n`);
      const steps = 4;
      const r = trainAll(ds, o.seed, (step, done) => process.stderr.write(`[${'#'.repeat(done)}${'.'.repeat(steps - done)}] ${done}/${steps} ${step}\n`));
      const { dir } = saveTraining(o.data, ds, r, LEFT_OUT_FEATURES);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ manifest: r.manifest, seed: o.seed, timings: r.timings, metrics: r.scores }, null, 2)}\n`);
        return;
      }
      for (const s of r.scores) console.log(formatScore(s));
      console.log(`training time: ${Object.entries(r.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
      console.log(`models saved in ${dir}`);
    });
}
