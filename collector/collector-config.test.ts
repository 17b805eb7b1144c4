import { describe, expect, it } from 'vitest';
import { CONFIG_ENV, loadCollectorConfig, parseCollectorConfig } from './collector-config';

describe('collector config', () => {
  it('reads streams and CORS origins, the env variable winning over the file', () => {
    const text = JSON.stringify({ streams: [{ measurementId: 'G-ABC', apiSecret: 'long-enough-secret', streamId: '42', localTag: false }], corsOrigins: ['http://localhost:8001'] });
    expect(loadCollectorConfig('/no/such/file.json', { [CONFIG_ENV]: text })).toEqual({
      streams: [{ measurementId: 'G-ABC', apiSecret: 'long-enough-secret', streamId: '42', localTag: false }],
      corsOrigins: ['http://localhost:8001'],
    });
    expect(loadCollectorConfig('/no/such/file.json', {})).toEqual({});
  });

  it('names the bad field in one line without echoing a secret', () => {
    expect(() => parseCollectorConfig(JSON.stringify({ streams: [{ measurementId: 'G-A', apiSecret: 'tiny', streamId: '1' }] }), 'cfg')).toThrow(
      /^cfg: streams\.0\.apiSecret: at least 8 characters$/,
    );
    expect(() => parseCollectorConfig(JSON.stringify({ corsOrigins: ['http://a.example/path'] }), 'cfg')).toThrow(/corsOrigins\.0: an origin/);
    expect(() => parseCollectorConfig('{', 'cfg')).toThrow(/^cfg: not valid JSON/);
  });

  it('reads the extra host names and the future horizon, refusing a host with a port or path and a horizon of 0', () => {
    expect(parseCollectorConfig(JSON.stringify({ allowedHosts: ['shop.internal', '[::1]'], futureHorizonHours: 240 }), 'cfg')).toEqual({ allowedHosts: ['shop.internal', '[::1]'], futureHorizonHours: 240 });
    expect(() => parseCollectorConfig(JSON.stringify({ allowedHosts: ['shop.internal:8000'] }), 'cfg')).toThrow(/^cfg: allowedHosts\.0: a host name or address without port/);
    expect(() => parseCollectorConfig(JSON.stringify({ allowedHosts: ['evil.example/x'] }), 'cfg')).toThrow(/allowedHosts\.0/);
    expect(() => parseCollectorConfig(JSON.stringify({ futureHorizonHours: 0 }), 'cfg')).toThrow(/^cfg: futureHorizonHours:/);
  });
});
