/**
 * Ground-truth ingest, a private route: `POST /api/truth/users` and `POST /api/truth/sessions` take
 * `{"rows": [...]}` of sim_users / sim_sessions rows (warehouse/ground-truth.ts), bounded by zod, and store them
 * beside the events. Idempotent: a row replaces the row of its key (run_id + client_id, run_id + session_index),
 * so runners re-post after a resume or a retry without ever duplicating the truth.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { runIdProblem } from '../ga4/run-id';
import { saveSimSessions, saveSimUsers, type SimSessionRow, type SimUserRow } from '../warehouse/ground-truth';
import type { Warehouse } from '../warehouse/warehouse';
import { ApiError, readJsonBody, sendApiJson, type Route } from './api-http';

/** Rows per request at most; runners send a batch of sessions at a time. */
export const MAX_TRUTH_ROWS = 2000;
/** A request's body at most (a session's actions make most of it). */
export const MAX_TRUTH_BODY_BYTES = 16 * 1024 * 1024;

const runId = z.string().superRefine((value, ctx) => {
  const problem = runIdProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
const text = (max: number): z.ZodString => z.string().max(max);
const int = z.number().int().min(-(2 ** 53) + 1).max(2 ** 53 - 1);
const finite = z.number().finite();

export const simUserRowSchema = z.strictObject({
  run_id: runId,
  client_id: text(256).min(1),
  persona_id: text(100).min(1),
  segment: text(200).nullable(),
  age: int.nullable(),
  gender: text(100).nullable(),
  job: text(200).nullable(),
  region: text(100).nullable(),
  device: text(100).nullable(),
  interests: z.unknown(),
  traits: z.unknown(),
  budget: finite.nullable(),
  persona: z.unknown(),
}) satisfies z.ZodType<SimUserRow>;

export const simSessionRowSchema = z.strictObject({
  run_id: runId,
  session_index: z.number().int().min(0).max(2 ** 31 - 1),
  seed: text(500),
  client_id: text(256).min(1),
  ga_session_id: int.nullable().optional(),
  ga_session_number: z.number().int().min(0).max(2 ** 31 - 1).nullable().optional(),
  visit: z.number().int().min(0).max(2 ** 31 - 1).nullable().optional(),
  persona_id: text(100).min(1),
  persona: z.unknown(),
  intent: text(200).nullable(),
  goal_item_id: text(200).nullable().optional(),
  outcome: text(200),
  reason: text(2000).nullable().optional(),
  transaction_id: text(200).nullable(),
  started_at_ms: int,
  ended_at_ms: int,
  actions: z.unknown(),
  page_time_ms: finite.nullable().optional(),
  error: text(4000).nullable(),
}) satisfies z.ZodType<SimSessionRow>;

/** The two tables and how each is checked and stored. */
export const TRUTH_TABLES = {
  users: { schema: simUserRowSchema, save: (wh: Warehouse, rows: SimUserRow[]) => saveSimUsers(wh, rows) },
  sessions: { schema: simSessionRowSchema, save: (wh: Warehouse, rows: SimSessionRow[]) => saveSimSessions(wh, rows) },
} as const;
export type TruthTable = keyof typeof TRUTH_TABLES;

/** `where: message` of a zod failure's first issue, in one line. */
export function firstIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '');
  return `${path || '(body)'}: ${issue.message}`;
}

function bodySchema<T extends z.ZodType>(row: T) {
  return z.strictObject({ rows: z.array(row).max(MAX_TRUTH_ROWS) });
}
const BODIES = { users: bodySchema(simUserRowSchema), sessions: bodySchema(simSessionRowSchema) };

export function truthRoute(warehouse: Warehouse): Route {
  return {
    prefix: '/api/truth',
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const table = url.pathname.slice('/api/truth/'.length);
      if (table !== 'users' && table !== 'sessions') throw new ApiError(404, `not found: ${url.pathname} (ground truth goes to /api/truth/users and /api/truth/sessions)`);
      if (req.method !== 'POST') throw new ApiError(405, `use POST for ${url.pathname}`, { allow: 'POST' });
      const parsed = BODIES[table].safeParse(await readJsonBody(req, MAX_TRUTH_BODY_BYTES));
      if (!parsed.success) throw new ApiError(400, `invalid ${table} truth: ${firstIssue(parsed.error)}`);
      if (table === 'users') await TRUTH_TABLES.users.save(warehouse, parsed.data.rows as SimUserRow[]);
      else await TRUTH_TABLES.sessions.save(warehouse, parsed.data.rows as SimSessionRow[]);
      sendApiJson(res, 200, { stored: parsed.data.rows.length });
    },
  };
}
