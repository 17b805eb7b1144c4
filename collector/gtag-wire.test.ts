import { describe, expect, it } from 'vitest';
import { parseGtagHits, parseItem } from './gtag-wire';

describe('parseItem', () => {
  it('maps two-letter keys to item fields, numbers to numbers, and kN/vN pairs to custom item params', () => {
    expect(parseItem('idSKU-1~nmBlue Mug~pr12.5~qt2~caKitchen~lp3~k0color~v0blue~k1size~v142~')).toEqual({
      item_id: 'SKU-1',
      item_name: 'Blue Mug',
      price: 12.5,
      quantity: 2,
      item_category: 'Kitchen',
      index: 3,
      color: 'blue',
      size: 42,
    });
  });

  it('passes an unparsable number on as text, so validation reports it', () => {
    expect(parseItem('idA~prabc')).toEqual({ item_id: 'A', price: 'abc' });
  });
});

describe('parseGtagHits', () => {
  it('turns a query-string hit into an MP body, adding first_visit and session_start for the _fv and _ss flags', () => {
    const query = new URLSearchParams('v=2&tid=G-X&cid=1.2&sid=1700000000&sct=3&seg=1&_et=120&_fv=1&_ss=1&en=page_view&dl=https%3A%2F%2Fa.example%2F&dt=Home&ul=en-us&sr=1280x800&uid=u1&up.tier=gold&upn.age=41&ep.x=y&epn.n=5&cu=EUR');
    const [hit] = parseGtagHits(query, '');
    const session = { page_location: 'https://a.example/', page_title: 'Home', language: 'en-us', screen_resolution: '1280x800', session_id: 1_700_000_000, session_number: 3, engagement_time_msec: 120 };
    expect(hit).toEqual({
      measurementId: 'G-X',
      line: 0,
      body: {
        client_id: '1.2',
        user_id: 'u1',
        user_properties: { tier: { value: 'gold' }, age: { value: 41 } },
        events: [
          { name: 'first_visit', params: session },
          { name: 'session_start', params: session },
          { name: 'page_view', params: { ...session, session_engaged: '1', x: 'y', n: 5, currency: 'EUR' } },
        ],
      },
    });
  });

  it('reads one event per body line, each over the shared query string, with items in prN order', () => {
    const hits = parseGtagHits(new URLSearchParams('v=2&tid=G-X&cid=1.2&sid=7'), 'en=view_item&pr2=idB&pr1=idA\n\nen=scroll&epn.percent_scrolled=90&cid=3.4\n');
    expect(hits.map((h) => [h.line, h.body.client_id, h.body.events])).toEqual([
      [0, '1.2', [{ name: 'view_item', params: { session_id: 7, items: [{ item_id: 'A' }, { item_id: 'B' }] } }]],
      [1, '3.4', [{ name: 'scroll', params: { session_id: 7, percent_scrolled: 90 } }]],
    ]);
  });
});
