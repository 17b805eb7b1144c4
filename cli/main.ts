/** The one CLI, `shoplab`. Every command has --help; a failure exits non-zero with a one-line reason. */
import { Command } from 'commander';
import { restartWithArenaCap } from '../collector/idle-memory';

/**
 * `serve` runs with glibc's malloc capped at two arenas, which must be set before any thread allocates, so it
 * first restarts itself in place with MALLOC_ARENA_MAX (collector/idle-memory.ts); a run that sets the variable
 * itself keeps its own. The collector's peak under sustained ingest fell by ~40 MiB with it, its idle memory by ~50
 * (collector/README.md, "Memory under sustained ingest").
 */
const SERVE_MALLOC_ARENAS = 2;
if (process.argv[2] === 'serve') await restartWithArenaCap(SERVE_MALLOC_ARENAS).catch(() => false);

const program = new Command()
  .name('shoplab')
  .description('A GA4-instrumented demo store, virtual shoppers, and the GA4 BigQuery export they produce.')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `shoplab: ${str.slice(7)}` : str) });

type Register = (program: Command) => void;
/**
 * One file a command (cli/commands/), so that each stage's command grows without touching the others. Loaded on
 * demand: a command's module brings its stage's libraries (Chromium drivers, Google clients, the ML code), and
 * `shoplab serve` loading them all cost ~200 MiB of the server's memory for nothing. `--help` and unknown names
 * load every command, so that commander can list them or suggest one.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./commands/serve')).registerServe,
  simulate: async () => (await import('./commands/simulate')).registerSimulate,
  sql: async () => (await import('./commands/sql')).registerSql,
  truth: async () => (await import('./commands/truth')).registerTruth,
  export: async () => (await import('./commands/export')).registerExport,
  transform: async () => (await import('./commands/transform')).registerTransform,
  verify: async () => (await import('./commands/verify')).registerVerify,
  train: async () => (await import('./commands/train')).registerTrain,
  predict: async () => (await import('./commands/predict')).registerPredict,
  report: async () => (await import('./commands/report')).registerReport,
  experiment: async () => (await import('./commands/experiment')).registerExperiment,
  demo: async () => (await import('./commands/demo')).registerDemo,
};
const named = process.argv[2];
const one = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
for (const register of await Promise.all((one ? [one] : Object.values(COMMANDS)).map((load) => load()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`shoplab: ${msg.split('\n')[0]}\n`);
  process.exitCode = 1;
}
