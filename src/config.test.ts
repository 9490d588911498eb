import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('publicUrl is RELAIS_PUBLIC_URL only: absent by default, derived by the runtime once it listens', () => {
  const config = loadConfig({});
  assert.equal(config.publicUrl, undefined);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 5678);
  assert.equal(loadConfig({ RELAIS_PORT: '0' }).port, 0, 'an ephemeral port is allowed');
  assert.equal(loadConfig({ RELAIS_PORT: '0' }).publicUrl, undefined, 'never `http://HOST:0`');
});

test('RELAIS_PUBLIC_URL is used as is, without trailing slashes', () => {
  assert.equal(
    loadConfig({ RELAIS_PUBLIC_URL: 'https://relais.example.com' }).publicUrl,
    'https://relais.example.com',
  );
  assert.equal(
    loadConfig({ RELAIS_PUBLIC_URL: 'https://relais.example.com/' }).publicUrl,
    'https://relais.example.com',
  );
  assert.equal(
    loadConfig({ RELAIS_PUBLIC_URL: 'https://example.com/relais//', RELAIS_PORT: '0' }).publicUrl,
    'https://example.com/relais',
  );
  assert.equal(loadConfig({ RELAIS_PUBLIC_URL: 'http://[::1]:8080' }).publicUrl, 'http://[::1]:8080');
});

test('a RELAIS_PUBLIC_URL that is not a URL is refused at start', () => {
  assert.throws(
    () => loadConfig({ RELAIS_PUBLIC_URL: 'relais.example.com' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /RELAIS_PUBLIC_URL/);
      return true;
    },
  );
});
