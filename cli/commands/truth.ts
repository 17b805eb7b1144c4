import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Warehouse } from '../../warehouse/warehouse';
import { clientToken, isShopLabServer, serverHolding } from '../api-client';
import { dataOption } from '../options';
import { readTruthFile, serverTruth, warehouseTruth, type TruthSink } from '../truth-sink';

interface ImportOptions {
  data: string;
  url?: string;
  token?: string;
}

/** Rows per write: bounded memory on the server side, and one transaction per table per batch locally. */
const BATCH = 500;

async function load(sink: TruthSink, file: string): Promise<{ users: number; sessions: number }> {
  const { users, sessions } = readTruthFile(file);
  for (let at = 0; at < sessions.length; at += BATCH) await sink.save(sessions.slice(at, at + BATCH), []);
  for (let at = 0; at < users.length; at += BATCH) await sink.save([], users.slice(at, at + BATCH));
  // A run writes a returning user's row once per session; the table keeps one per run and client id.
  return { users: new Set(users.map((u) => `${u.run_id}\u0000${u.client_id}`)).size, sessions: new Set(sessions.map((s) => `${s.run_id}\u0000${s.session_index}`)).size };
}

export function registerTruth(program: Command): void {
  const truth = program.command('truth').description('ground truth of simulated runs (who each shopper is, what each session meant to do)');
  truth
    .command('import')
    .description(
      "load a run's truth file (<data>/runs/<run>.truth.ndjson, written when `shoplab simulate --url` drove a store that is not ShopLab's) into a warehouse; " +
        'idempotent: importing twice stores each user and session once',
    )
    .argument('<file>', 'the truth file')
    .option('--url <url>', 'into the warehouse of the ShopLab server at this URL (default: the warehouse of --data, through its server when one holds it)')
    .option('--token <token>', "with --url (or a server holding --data): the server's private API token (default env SHOPLAB_TOKEN, else <data>/token)")
    .addOption(dataOption())
    .action(async (file: string, o: ImportOptions) => {
      if (!existsSync(file)) throw new Error(`no truth file at ${file}`);
      // Checked before anything is stored: a bad line stops the import with nothing half loaded.
      readTruthFile(file);
      const url = o.url ?? serverHolding(o.data);
      let counts: { users: number; sessions: number };
      let where: string;
      if (url !== null) {
        if (!(await isShopLabServer(url))) throw new Error(`${url} is not a ShopLab server (its /healthz does not say so)`);
        const sink = serverTruth(url, clientToken(o.token, o.data, url));
        counts = await load(sink, file);
        where = url;
      } else {
        const wh = await Warehouse.open({ dataDir: o.data });
        try {
          counts = await load(warehouseTruth(wh), file);
          where = wh.file;
        } finally {
          await wh.close();
        }
      }
      console.log(`imported the truth of ${counts.users} user(s) and ${counts.sessions} session(s) into ${where}`);
    });
}
