/** CORS_ORIGINS (src/config/config.ts): comma-separated origins, trimmed, normalized, validated. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

describe('CORS_ORIGINS', () => {
  it('defaults to none', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('parses a comma-separated list, trimming, normalizing and deduplicating', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://A.example.com, http://localhost:3000/ ,https://a.example.com:443,' });
    expect(c.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(Object.isFrozen(c.corsOrigins)).toBe(true);
  });

  it('refuses anything that is not scheme://host[:port]', () => {
    for (const bad of ['*', 'https://*.example.com', 'https://a.example.com/path', 'ftp://a.example.com', 'a.example.com']) {
      try {
        loadConfig({ CORS_ORIGINS: `https://ok.example.com, ${bad}` });
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).issues.join('\n')).toMatch(/^CORS_ORIGINS: /m);
      }
    }
  });
});
