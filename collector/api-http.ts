/** The private API's HTTP helpers: JSON answers, bounded request bodies, and errors that become answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A handler mounted under a path prefix. Returns nothing; must always answer. */
export interface Route {
  /** Path prefix it owns, e.g. '/api/truth' or '/dashboard'. Longest prefix wins. */
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

/** Thrown by a route to answer `status` with `{"error": message}` (and extra headers). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function sendApiJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The body as text, refusing more than `limit` bytes (413) without buffering the excess. */
export function readApiBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      reject(new ApiError(415, `content-encoding ${encoding} is not supported; send plain text`));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ApiError(413, `body is ${declared} bytes; this route takes at most ${limit}`, { connection: 'close' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      if (size > limit) reject(new ApiError(413, `body is ${size} bytes; this route takes at most ${limit}`, { connection: 'close' }));
      else resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** A JSON request body (`content-type: application/json`), parsed; 415 for another type, 400 for bad JSON. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'send the body as application/json');
  const text = await readApiBody(req, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The string fields of a JSON object body or an urlencoded form. */
export async function readJsonOrForm(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(await readApiBody(req, limit)));
  const body = await readJsonBody(req, limit);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'send a JSON object');
  return body as Record<string, unknown>;
}
