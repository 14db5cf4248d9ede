import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      simulatedChargers: 'all',
      vipps: { mode: 'emulator', baseUrl: 'https://apitest.vipps.no' },
    });
  });

  it('honours PORT, DATA_DIR and SIMULATED_CHARGERS', () => {
    const config = parseConfig({ PORT: '4100', DATA_DIR: '/tmp/ev', SIMULATED_CHARGERS: 'DEMO-2,DEMO-3' });
    expect(config.port).toBe(4100);
    expect(config.dataDir).toBe('/tmp/ev');
    expect(config.publicBaseUrl).toBe('http://localhost:4100');
    expect(config.simulatedChargers).toEqual(['DEMO-2', 'DEMO-3']);
    expect(parseConfig({ SIMULATED_CHARGERS: 'off' }).simulatedChargers).toBe('none');
  });

  it('stops with a message naming each wrong variable', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ VIPPS_MODE: 'live' })).toThrow(/VIPPS_MODE/);
  });

  it('requires credentials outside emulator mode, naming the missing ones', () => {
    const error = (() => {
      try {
        parseConfig({ VIPPS_MODE: 'production', VIPPS_CLIENT_ID: 'id' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/VIPPS_CLIENT_SECRET/);
    expect(error?.message).toMatch(/VIPPS_SUBSCRIPTION_KEY/);
    expect(error?.message).toMatch(/VIPPS_MSN/);
    expect(error?.message).not.toMatch(/VIPPS_CLIENT_ID:/);
    const ok = parseConfig({ VIPPS_MODE: 'production', VIPPS_CLIENT_ID: 'a', VIPPS_CLIENT_SECRET: 'b', VIPPS_SUBSCRIPTION_KEY: 'c', VIPPS_MSN: '123456' });
    expect(ok.vipps.baseUrl).toBe('https://api.vipps.no');
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});
