import { describe, expect, it } from 'vitest';
import { clientIdFromCookies, clientIdFromGaCookie, gaCookieValue } from './ga-cookie';

describe('the _ga cookie', () => {
  it('round-trips a client id through the cookie value gtag.js writes', () => {
    expect(gaCookieValue('424242.1700000000')).toBe('GA1.1.424242.1700000000');
    expect(clientIdFromGaCookie(gaCookieValue('424242.1700000000'))).toBe('424242.1700000000');
  });

  it('reads the client id from a document.cookie string, ignoring the _ga_<stream> session cookie', () => {
    expect(clientIdFromCookies('a=1; _ga_ABC=GS1.1.1700000000.1.0.1700000000; _ga=GA1.1.9.1700000001; b=2')).toBe('9.1700000001');
    expect(clientIdFromCookies('_ga_ABC=GS1.1.1')).toBeUndefined();
    expect(clientIdFromCookies('_ga=not-a-ga-value')).toBeUndefined();
    expect(clientIdFromCookies('')).toBeUndefined();
  });
});
