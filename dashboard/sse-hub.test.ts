import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseHub } from './sse-hub';

describe('SseHub over real HTTP', () => {
  const built: { full: boolean; at: number }[] = [];
  let hub: SseHub;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    hub = new SseHub(
      (full) => {
        built.push({ full, at: performance.now() });
        return JSON.stringify({ full, n: built.length });
      },
      { intervalMs: 20, fullEveryMs: 300 },
    );
    server = createServer((req, res) => hub.open(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('opens every stream with a full message, then sends the full kind at most once per fullEveryMs and the light one between', { timeout: 60_000 }, async () => {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const received: { full: boolean }[] = [];
    let text = '';
    // Changes keep coming (as commits would) until the stream has carried two full messages after its first.
    const changes = setInterval(() => hub.markDirty(), 10);
    try {
      while (received.filter((m) => m.full).length < 3) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const data = text
            .slice(0, end)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          text = text.slice(end + 2);
          if (data) received.push(JSON.parse(data.slice(6)) as { full: boolean });
        }
      }
    } finally {
      clearInterval(changes);
      await reader.cancel();
    }
    expect(received[0]?.full).toBe(true);
    expect(received.some((m) => !m.full)).toBe(true);
    // The full messages of the ticks (the one built on opening aside) are at least fullEveryMs apart.
    const ticks = built.slice(1).filter((b) => b.full);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThanOrEqual(300);
  });
});
