/**
 * Collector settings that are not CLI flags: the data streams (with their api secrets), the CORS origins, the
 * extra host names the server answers to (`allowedHosts`) and the future horizon (`futureHorizonHours`).
 * Read from the JSON text in env `SHOPLAB_COLLECTOR_CONFIG`, else from a JSON file (default
 * `<data>/collector.json`, if present). Secrets stay out of the command line (and so out of `ps`) and are never
 * printed: errors name the field, never its value.
 */

import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ServerOptions } from './server';

export const CONFIG_ENV = 'SHOPLAB_COLLECTOR_CONFIG';
export const CONFIG_FILE = 'collector.json';

const configSchema = z.strictObject({
  streams: z
    .array(
      z.strictObject({
        measurementId: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, 'letters, digits and -, e.g. G-SHOPLAB'),
        apiSecret: z.string().min(8, 'at least 8 characters').max(200),
        streamId: z.string().regex(/^\d{1,20}$/, 'digits, e.g. 1000000001'),
        localTag: z.boolean().optional(),
      }),
    )
    .min(1)
    .optional(),
  corsOrigins: z.array(z.url().refine((u) => new URL(u).origin === u, 'an origin such as http://localhost:8001 (no path)')).optional(),
  allowedHosts: z.array(z.string().regex(/^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])$/, 'a host name or address without port, e.g. shop.internal')).optional(),
  futureHorizonHours: z.number().positive().max(24 * 365 * 10).optional(),
});

export type CollectorConfig = Pick<ServerOptions, 'streams' | 'corsOrigins' | 'allowedHosts' | 'futureHorizonHours'>;

/** Parses config text; `source` names it in errors. Throws one line naming the first bad field. */
export function parseCollectorConfig(text: string, source: string): CollectorConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = configSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${source}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`);
  }
  const out: CollectorConfig = {};
  if (result.data.streams) out.streams = result.data.streams.map((s) => ({ ...s }));
  if (result.data.corsOrigins) out.corsOrigins = result.data.corsOrigins;
  if (result.data.allowedHosts) out.allowedHosts = result.data.allowedHosts;
  if (result.data.futureHorizonHours !== undefined) out.futureHorizonHours = result.data.futureHorizonHours;
  return out;
}

/** The env variable wins over the file; neither present gives `{}` (the defaults). */
export function loadCollectorConfig(file: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv) return parseCollectorConfig(fromEnv, `env ${CONFIG_ENV}`);
  if (existsSync(file)) return parseCollectorConfig(readFileSync(file, 'utf8'), file);
  return {};
}
