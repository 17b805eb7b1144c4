/**
 * Who may talk to the collector, from the request's own headers:
 * - `Host` must name this server (DNS rebinding: a page on evil.example whose name is made to resolve to
 *   127.0.0.1 reaches us with `Host: evil.example`). Every route checks it.
 * - On the collect routes, a browser's `Origin` (when present) must be the store's own origin (the Host it
 *   asked) or a configured CORS origin; without an `Origin`, `Sec-Fetch-Site` must not say another site sent it
 *   (an `<img>` pointed at /g/collect carries no Origin, but browsers mark it `cross-site`). Clients that are not
 *   browsers send neither header and are judged by their credentials alone.
 */

import type { IncomingMessage } from 'node:http';
import { hostname as machineName, networkInterfaces } from 'node:os';

export interface OriginCheckOptions {
  /** The interface the server is bound to, as given to listen (`127.0.0.1`, `::`, `localhost`, a name). */
  boundHost: string;
  /** More names (and addresses) that clients may use to reach the server, e.g. behind a proxy. */
  allowedHosts?: readonly string[];
  /** Origins whose pages may send hits cross-origin. */
  corsOrigins: ReadonlySet<string>;
}

export interface RequestGuard {
  /** The names the server answers to (lowercase, IPv6 without brackets). */
  readonly names: ReadonlySet<string>;
  /** Why the request's Host is not one of ours, or null. */
  hostProblem(req: IncomingMessage): string | null;
  /** Why a write from this request's browser context is not allowed, or null. Call after hostProblem passed. */
  originProblem(req: IncomingMessage): string | null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function bare(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** The host name of a `Host` header value (`name`, `name:port`, `[v6]:port`), or null if it is not one. */
function hostNameOf(header: string): string | null {
  if (header === '' || /[\s/?#@\\]/.test(header)) return null;
  try {
    return bare(new URL(`http://${header}`).hostname);
  } catch {
    return null;
  }
}

/** The names a server bound to `boundHost` is reached by. */
export function servedNames(boundHost: string, allowedHosts: readonly string[] = []): Set<string> {
  const bound = bare(boundHost);
  const names = new Set<string>([bound, ...allowedHosts.map(bare)]);
  if (isLoopback(bound)) for (const name of LOOPBACK_NAMES) names.add(name);
  if (bound === '0.0.0.0' || bound === '::' || bound === '') {
    // Bound to every interface: reachable as the loopback aliases, as any address of the machine, and by its name.
    for (const name of LOOPBACK_NAMES) names.add(name);
    for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) names.add(bare(info.address));
    names.add(machineName().toLowerCase());
  }
  return names;
}

export function createRequestGuard(opts: OriginCheckOptions): RequestGuard {
  const names = servedNames(opts.boundHost, opts.allowedHosts);
  return {
    names,
    hostProblem(req) {
      const host = req.headers.host;
      // HTTP/1.0 clients may omit Host (Node refuses HTTP/1.1 without one); browsers always send it.
      if (host === undefined) return null;
      const name = hostNameOf(host);
      if (name !== null && names.has(name)) return null;
      return `this server does not answer to the host ${JSON.stringify(host.slice(0, 100))}; it serves ${[...names].slice(0, 6).join(', ')}${names.size > 6 ? ', …' : ''} (add names with allowedHosts)`;
    },
    originProblem(req) {
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (opts.corsOrigins.has(origin)) return null;
        const host = req.headers.host;
        if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return null;
        return `origin ${JSON.stringify(origin.slice(0, 100))} may not send hits here: only the store's own origin and the configured CORS origins may`;
      }
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') return `a page of another site (Sec-Fetch-Site: ${site}) may not send hits here without an allowed Origin`;
      return null;
    },
  };
}
