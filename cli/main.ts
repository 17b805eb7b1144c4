/** The one CLI, `shoplab`. Every command has --help; a failure exits non-zero with a one-line reason. */
import { Command } from 'commander';
import { registerDemo } from './commands/demo';
import { registerExperiment } from './commands/experiment';
import { registerPredict } from './commands/predict';
import { registerReport } from './commands/report';
import { registerExport } from './commands/export';
import { registerServe } from './commands/serve';
import { registerSimulate } from './commands/simulate';
import { registerSql } from './commands/sql';
import { registerTruth } from './commands/truth';
import { registerTrain } from './commands/train';
import { registerTransform } from './commands/transform';
import { registerVerify } from './commands/verify';

const program = new Command()
  .name('shoplab')
  .description('A GA4-instrumented demo store, virtual shoppers, and the GA4 BigQuery export they produce.')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `shoplab: ${str.slice(7)}` : str) });

// One file a command (cli/commands/), so that each stage's command grows without touching the others.
for (const register of [registerServe, registerSimulate, registerSql, registerTruth, registerExport, registerTransform, registerVerify, registerTrain, registerPredict, registerReport, registerExperiment, registerDemo]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`shoplab: ${msg.split('\n')[0]}\n`);
  process.exitCode = 1;
}
