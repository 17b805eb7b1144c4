/**
 * Runs `shoplab serve --no-site` as a child process, for tests and benchmarks that must not share an event loop
 * with the collector, or that kill it (crash tests).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../bin/shoplab.js');

export interface CollectorProcess {
  url: string;
  /** The private API's token (for /metrics and /api/*), as the process printed it. */
  token: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM (a clean close that commits what is in flight), then waits for the exit. */
  stop(): Promise<number | string>;
}

/** Starts the collector on a free port; resolves once it prints its URL and token. */
export function startCollectorProcess(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<CollectorProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir, '--no-site'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /collector at (http:\/\/\S+)/.exec(stdout);
      const token = /private API token (\S+)/.exec(stdout)?.[1];
      if (match?.[1] && token) {
        const url = match[1];
        resolve({
          url,
          token,
          child,
          exited,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`collector process exited (${code}) before listening: ${stderr.trim()}`)));
  });
}
