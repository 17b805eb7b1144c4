/**
 * `shoplab experiment`: closes the loop from the insights back to the store. One population is planned over the
 * baseline days and the experiment days that follow. The baseline days run once, on the store as built; the
 * insights are trained on them (the recommendations among them). Then the experiment days run once per arm, each
 * on its own data directory and run id, with the same shoppers, the same seeds and the same virtual start, the
 * server answering the store's per-client parts as the arm says (cli/store-variants.ts). Each arm's figures are
 * read back from its warehouse through the analysis model `experiment_users` (insights/experiment.ts).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INSIGHTS_DIR, loadModels, saveTraining, trainAll } from '../../insights/insights';
import { armDifference, armFigures, formatEstimate, readArmUsers, type ArmDifference, type ArmFigures } from '../../insights/experiment';
import { LEFT_OUT_FEATURES } from '../../insights/personas';
import { Warehouse } from '../../warehouse/warehouse';
import { dataOption, parseDate, parsePositiveInt } from '../options';
import { simulateCommand, type SimulateOutcome } from '../simulate';
import { ARM_DESCRIPTIONS, ARMS, armRoutes, parseArms, type Arm } from '../store-variants';
import { readDataset } from './train';

const DAY_MS = 24 * 3600 * 1000;

export interface ExperimentOptions {
  arms: Arm[];
  users: number;
  seed: string;
  /** Days of the baseline the models are trained on. */
  baselineDays: number;
  /** Days each arm runs, right after the baseline. */
  days: number;
  /** Start of the baseline, ms. */
  start: number;
  concurrency: number;
  data: string;
  quiet?: boolean;
  /** Tests only: real ms a session may take. */
  sessionTimeoutMs?: number;
}

export interface ArmResult {
  arm: Arm;
  description: string;
  runId: string;
  dataDir: string;
  figures: ArmFigures;
  /** Against control; absent for control itself. */
  vsControl?: ArmDifference;
}

export interface ExperimentResult {
  id: string;
  seed: string;
  users: number;
  baseline: { runId: string; dataDir: string; from: string; to: string; sessions: number; trainedOn: string };
  window: { from: string; to: string };
  arms: ArmResult[];
  /** Where this result is written. */
  files: string[];
}

/** The experiment's id: a digest of everything that decides its outcome, so that one folder holds one experiment. */
export function experimentId(o: Pick<ExperimentOptions, 'arms' | 'users' | 'seed' | 'baselineDays' | 'days' | 'start'>): string {
  const key = JSON.stringify([o.arms, o.users, o.seed, o.baselineDays, o.days, o.start]);
  return `exp-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

function checkRun(o: SimulateOutcome, what: string): void {
  if (o.stopped) throw new Error(`${what} was stopped before it finished`);
  if (o.failed > 0) throw new Error(`${what}: ${o.failed} of ${o.sessions.length} session(s) failed (first: ${o.sessions.find((s) => s.error)?.error ?? '?'})`);
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const id = experimentId(o);
  const dir = resolve(o.data, 'experiments', id);
  if (existsSync(join(dir, 'experiment.json'))) throw new Error(`experiment ${id} already ran: its result is ${join(dir, 'experiment.json')} (remove ${dir} to run it again)`);
  if (existsSync(dir)) throw new Error(`an unfinished run of experiment ${id} is at ${dir}; remove it to run the experiment again`);
  const cutoff = o.start + o.baselineDays * DAY_MS;
  const common = { users: o.users, seed: o.seed, start: o.start, days: o.baselineDays + o.days, concurrency: o.concurrency, quiet: !!o.quiet, ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}) };
  const say = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };

  const baselineDir = join(dir, 'baseline');
  const baselineRun = `${id}-baseline`;
  say(`experiment ${id}: baseline (${o.baselineDays} d from ${new Date(o.start).toISOString()}) on the store as built`);
  const baseline = await simulateCommand({ ...common, data: baselineDir, runId: baselineRun, window: { before: cutoff }, progressLabel: 'baseline' });
  checkRun(baseline, 'the baseline run');
  say('training the insights on the baseline…');
  const ds = await readDataset(baselineDir);
  saveTraining(baselineDir, ds, trainAll(ds, o.seed), LEFT_OUT_FEATURES);
  const models = loadModels(baselineDir);

  const users = new Map<Arm, Awaited<ReturnType<typeof readArmUsers>>>();
  const runs: { arm: Arm; runId: string; dataDir: string }[] = [];
  for (const arm of o.arms) {
    const dataDir = join(dir, arm);
    const runId = `${id}-${arm}`;
    say(`arm ${arm}: ${ARM_DESCRIPTIONS[arm]}`);
    const run = await simulateCommand({ ...common, data: dataDir, runId, window: { from: cutoff }, storeRoutes: armRoutes(arm, models), progressLabel: `arm ${arm}` });
    checkRun(run, `arm ${arm}`);
    const wh = await Warehouse.open({ dataDir, readOnly: true });
    try {
      users.set(arm, await readArmUsers(wh, runId));
    } finally {
      await wh.close();
    }
    runs.push({ arm, runId, dataDir });
  }
  const control = users.get('control') ?? [];
  const arms: ArmResult[] = runs.map((r) => {
    const mine = users.get(r.arm) ?? [];
    return { ...r, description: ARM_DESCRIPTIONS[r.arm], figures: armFigures(mine), ...(r.arm === 'control' ? {} : { vsControl: armDifference(mine, control) }) };
  });
  const files = [join(dir, 'experiment.json'), resolve(o.data, INSIGHTS_DIR, 'experiment.json')];
  const result: ExperimentResult = {
    id,
    seed: o.seed,
    users: o.users,
    baseline: { runId: baselineRun, dataDir: baselineDir, from: new Date(o.start).toISOString(), to: new Date(cutoff).toISOString(), sessions: baseline.sessions.length, trainedOn: ds.manifest.fingerprint },
    window: { from: new Date(cutoff).toISOString(), to: new Date(cutoff + o.days * DAY_MS).toISOString() },
    arms,
    files,
  };
  for (const file of files) {
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
  return result;
}

const signed = (text: string): string => (text.startsWith('-') || text.startsWith('n/a') ? text : `+${text}`);

/** The figures as the command prints them. */
export function formatExperiment(r: ExperimentResult): string {
  const lines = [
    `experiment ${r.id}: ${r.users} shoppers planned, seed ${r.seed}; trained on the baseline ${r.baseline.from.slice(0, 10)} – ${r.baseline.to.slice(0, 10)} (${r.baseline.sessions} sessions); arms ran ${r.window.from.slice(0, 10)} – ${r.window.to.slice(0, 10)}`,
    'figures with 95 % intervals:',
  ];
  for (const a of r.arms) {
    const f = a.figures;
    lines.push(
      `  ${a.arm.padEnd(8)} ${f.users} shoppers, ${f.sessions} sessions, ${f.orders} orders: conversion ${formatEstimate(f.conversionRate, 'share')}, revenue per user ${formatEstimate(f.revenuePerUser, 'money')}, order value ${formatEstimate(f.orderValue, 'money')}`,
    );
    const recorded = Object.entries(f.recordedArms)
      .map(([arm, n]) => `${arm} ${n}`)
      .join(', ');
    lines.push(`  ${''.padEnd(8)} shipping charged $${f.shipping.toFixed(2)}; user property experiment_arm: ${recorded || 'no shoppers'}`);
    if (a.arm === 'recs') lines.push(`  ${''.padEnd(8)} recommended list shown to ${f.recommendedShownTo} shoppers, followed by ${f.recommendedFollowedBy}`);
    if (a.arm === 'freeship') lines.push(`  ${''.padEnd(8)} free-shipping promotion shown in the cart to ${f.freeShippingShownTo} shoppers`);
    const d = a.vsControl;
    if (d) {
      lines.push(
        `  ${''.padEnd(8)} vs control (paired over ${d.pairedUsers} shoppers): conversion ${signed(formatEstimate(d.conversionRate, 'share'))}, revenue per user ${signed(formatEstimate(d.revenuePerUser, 'money'))}, order value ${signed(formatEstimate(d.orderValue, 'money'))}`,
      );
    }
  }
  lines.push(`result: ${r.files.join(', ')}`);
  return lines.join('\n');
}

function parseDays(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`days must be a number > 0, got "${v}"`);
  return n;
}

/** 00:00 UTC of the day `days` before today: the same start all day, so that a run repeated today reproduces. */
function defaultStart(days: number): number {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - Math.ceil(days) * DAY_MS;
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('close the loop: train the insights on a baseline run, then run the same shoppers (same seeds, same start) through each store variant and report conversion rate, revenue per user and order value per arm with 95 % intervals')
    .option('--arms <list>', `comma-separated arms, control first, any subset (${ARMS.join(', ')})`, ARMS.join(','))
    .option('--users <n>', 'shoppers in the population', parsePositiveInt('--users'), 200)
    .option('--seed <seed>', 'seed of the population, every session and the models', 'shoplab')
    .option('--baseline-days <d>', 'days of the baseline the models are trained on', parseDays, 14)
    .option('--days <d>', 'days each arm runs, right after the baseline', parseDays, 7)
    .option('--start <date>', 'start of the baseline in simulated time (default: 00:00 UTC, baseline + arm days before today; give it to reproduce on another day)', parseDate)
    .option('--concurrency <n>', 'sessions at once', parsePositiveInt('--concurrency'), 4)
    .option('--json', 'print the result as JSON')
    .addOption(dataOption())
    .addHelpText('after', `\nArms:\n${ARMS.map((a) => `  ${a.padEnd(8)} ${ARM_DESCRIPTIONS[a]}`).join('\n')}\n\nEach run keeps its data under <data>/experiments/<id>/ (baseline/ and one folder per arm); the result goes to\n<data>/experiments/<id>/experiment.json and <data>/insights/experiment.json.`)
    .action(async (o: { arms: string; users: number; seed: string; baselineDays: number; days: number; start?: number; concurrency: number; json?: boolean; data: string }) => {
      const arms = parseArms(o.arms);
      const start = o.start ?? defaultStart(o.baselineDays + o.days);
      const result = await runExperiment({ arms, users: o.users, seed: o.seed, baselineDays: o.baselineDays, days: o.days, start, concurrency: o.concurrency, data: o.data });
      console.log(o.json ? JSON.stringify(result, null, 2) : formatExperiment(result));
    });
}
