import { describe, expect, it } from 'vitest';
import { committedLines } from '../warehouse/committed-rows';
import { Ga4Relay } from './ga4-relay';
import { mpProblems, startGa4Standin } from './ga4-standin';

const GA4 = { measurementId: 'G-RELAYTEST', apiSecret: 'relay-secret', propertyId: '123456789' };
const HOUR = 3_600_000;

describe('the GA4 stand-in checks what clients send', () => {
  it('names what breaks Google\'s documented Measurement Protocol limits', () => {
    const now = Date.now();
    const event = { name: 'page_view', params: { session_id: 1, engagement_time_msec: 1 }, timestamp_micros: now * 1000 };
    expect(mpProblems({ client_id: 'c', events: [event] }, now)).toEqual([]);
    expect(mpProblems({ client_id: 'c', events: Array.from({ length: 26 }, () => event) }, now)).toEqual(['26 events in one request (at most 25)']);
    expect(mpProblems({ events: [{ ...event, name: 'session_start' }] }, now)).toEqual(['client_id is required (web stream)', 'events[0].name session_start is reserved']);
    expect(mpProblems({ client_id: 'c', events: [{ ...event, timestamp_micros: (now - 73 * HOUR) * 1000 }] }, now)[0]).toMatch(/outside the last 72 hours/);
    expect(mpProblems({ client_id: 'c', events: [{ name: 'x', params: { ga_session_id: 1 } }] }, now)).toEqual([
      'events[0].params.ga_session_id is not an allowed param name',
      'events[0].params.session_id is missing (Realtime needs it)',
      'events[0].params.engagement_time_msec is missing (Realtime needs it)',
    ]);
  });

  it('the relay retries a failing endpoint with backoff and counts what it gives up on', async () => {
    // A port with nothing listening: every attempt is a network error.
    const closed = await startGa4Standin(GA4);
    const url = closed.url;
    await closed.close();
    const logs: string[] = [];
    const relay = new Ga4Relay({ ...GA4, endpoint: url, maxAttempts: 3, retryBaseMs: 5, log: (m) => logs.push(m) });
    relay.onCommit(committedLines([JSON.stringify({ event_name: 'page_view', event_timestamp: Date.now() * 1000, user_pseudo_id: 'c1', event_params: [] })]));
    await relay.flush();
    expect(relay.stats()).toMatchObject({ received: 1, sent: 0, failed: 1, requests: 3, retries: 2 });
    expect(logs.join('\n')).toMatch(/1 event\(s\) not delivered \(network error: .*\) after 3 attempt\(s\)/);
  });
});
