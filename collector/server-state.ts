/**
 * `<data>/server.json`: which server holds a data directory's warehouse, written once it listens and removed when
 * it stops. DuckDB lets one process at a time open the file for writing and no other open it at all meanwhile, so
 * tools on the same data directory (`shoplab sql`, `shoplab truth import`) use it to go through that server.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVER_STATE_FILE = 'server.json';

export interface ServerState {
  /** Base URL of the server, e.g. `http://127.0.0.1:8000`. */
  url: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeServerState(dataDir: string, state: ServerState): void {
  writeFileSync(join(dataDir, SERVER_STATE_FILE), `${JSON.stringify(state)}\n`);
}

/** Removes the state file if this process wrote it. */
export function removeServerState(dataDir: string): void {
  if (readServerState(dataDir)?.pid === process.pid) rmSync(join(dataDir, SERVER_STATE_FILE), { force: true });
}

/** The server holding `dataDir`, or null when none is recorded or its process is gone (a server killed hard). */
export function readServerState(dataDir: string): ServerState | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, SERVER_STATE_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const state = JSON.parse(text) as Partial<ServerState>;
    if (typeof state.url !== 'string' || !/^https?:\/\//.test(state.url) || !Number.isInteger(state.pid)) return null;
    return alive(state.pid!) ? { url: state.url, pid: state.pid! } : null;
  } catch {
    return null;
  }
}
