import type { Command } from 'commander';
import { loadModels, predictAll, writePredictions } from '../../insights/insights';
import { dataOption } from '../options';
import { readDataset } from './train';

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('apply the models `shoplab train` saved to write <data>/insights/predictions/{personas,sessions,segments,recommendations}.csv and <data>/insights/metrics.json')
    .addOption(dataOption())
    .action(async (o: { data: string }) => {
      const models = loadModels(o.data);
      const ds = await readDataset(o.data);
      const dir = writePredictions(o.data, predictAll(ds, models), models);
      console.log(`predictions written to ${dir}`);
    });
}
