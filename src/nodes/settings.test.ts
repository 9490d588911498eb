/**
 * The nodes' settings: checked by loadConfig at start (a bad value is a ConfigError, never a run
 * failure), mapped to the NODE_SETTINGS service, defaults without it, and no node reading
 * `process.env` while it runs.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { DEFAULT_CODE_LIMITS } from '../sandbox/run-code.js';
import { deniedBy, OPEN_POLICY } from './http-request/ssrf.js';
import type { ServiceKey } from './sdk.js';
import { defaultNodeSettings, NODE_SETTINGS, nodeSettings, nodeSettingsFromConfig } from './settings.js';

function refused(env: Record<string, string>, variable: string): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
      assert.match(error.message, new RegExp(`^ {2}${variable}: `, 'm'));
      return true;
    },
    JSON.stringify(env),
  );
}

test('invalid Code limits are refused by loadConfig, naming the variable', () => {
  for (const value of ['soon', '0', '-5', '1.5', '', ' ', '1e400']) {
    refused({ RELAIS_CODE_TIMEOUT_MS: value }, 'RELAIS_CODE_TIMEOUT_MS');
  }
  for (const value of ['lots', '4', '7', '-1', '12.5', '', '4096', '100000']) {
    refused({ RELAIS_CODE_MEMORY_MB: value }, 'RELAIS_CODE_MEMORY_MB');
  }
});

test('valid Code limits reach the settings; an unset one keeps its default', () => {
  const limits = (env: Record<string, string>) => nodeSettingsFromConfig(loadConfig(env)).codeLimits;
  assert.deepEqual(limits({}), DEFAULT_CODE_LIMITS);
  assert.deepEqual(limits({ RELAIS_CODE_TIMEOUT_MS: '250', RELAIS_CODE_MEMORY_MB: '64' }), {
    timeoutMs: 250,
    memoryMb: 64,
  });
  assert.deepEqual(limits({ RELAIS_CODE_TIMEOUT_MS: ' 60000 ' }), { timeoutMs: 60_000, memoryMb: 128 });
  assert.deepEqual(limits({ RELAIS_CODE_MEMORY_MB: '8' }), { timeoutMs: 10_000, memoryMb: 8 });
  assert.deepEqual(limits({ RELAIS_CODE_MEMORY_MB: '2048' }), { timeoutMs: 10_000, memoryMb: 2048 });
});

test('RELAIS_HTTP_DENY and the provider URLs are checked at start', () => {
  refused({ RELAIS_HTTP_DENY: 'private, intranet' }, 'RELAIS_HTTP_DENY');
  refused({ RELAIS_HTTP_DENY: '10.0.0.0/33' }, 'RELAIS_HTTP_DENY');
  refused({ RELAIS_TWILIO_BASE_URL: 'api.twilio.com' }, 'RELAIS_TWILIO_BASE_URL');
  refused({ RELAIS_FCM_BASE_URL: 'ftp://fcm' }, 'RELAIS_FCM_BASE_URL');
  refused({ RELAIS_GOOGLE_TOKEN_URL: '' }, 'RELAIS_GOOGLE_TOKEN_URL');
  const settings = nodeSettingsFromConfig(
    loadConfig({
      RELAIS_HTTP_DENY: 'private, 192.0.2.0/24',
      RELAIS_TWILIO_BASE_URL: 'http://127.0.0.1:8080/',
    }),
  );
  assert.equal(deniedBy(settings.httpDeny, '10.1.2.3'), 'private');
  assert.equal(deniedBy(settings.httpDeny, '192.0.2.7'), '192.0.2.0/24');
  assert.equal(deniedBy(settings.httpDeny, '8.8.8.8'), undefined);
  assert.equal(settings.twilioBaseUrl, 'http://127.0.0.1:8080');
  assert.equal(settings.fcmBaseUrl, undefined);
});

test('an empty environment gives the same settings as no service at all', () => {
  const fromConfig = nodeSettingsFromConfig(loadConfig({}));
  assert.deepEqual(fromConfig, { ...defaultNodeSettings(), ...fromConfig });
  assert.equal(fromConfig.filesDir, resolve('data', 'files'));
  assert.deepEqual(fromConfig.codeLimits, DEFAULT_CODE_LIMITS);
  assert.equal(fromConfig.httpDeny.rules.length, 0);
  assert.deepEqual(defaultNodeSettings(), {
    filesDir: resolve('data', 'files'),
    codeLimits: DEFAULT_CODE_LIMITS,
    httpDeny: OPEN_POLICY,
  });
});

test('nodeSettings: the service over the defaults, key by key', () => {
  const ctx = (service: unknown) => ({
    findService: <T>(key: ServiceKey<T>) => (key.name === NODE_SETTINGS.name ? service : undefined) as T,
  });
  assert.deepEqual(nodeSettings(ctx(undefined)), defaultNodeSettings());
  const partial = nodeSettings(
    ctx({ filesDir: 'relative/files', codeLimits: { timeoutMs: 5, memoryMb: 16 } }),
  );
  assert.equal(partial.filesDir, resolve('relative/files'));
  assert.deepEqual(partial.codeLimits, { timeoutMs: 5, memoryMb: 16 });
  assert.equal(partial.httpDeny, OPEN_POLICY);
});

test('no node nor the sandbox reads process.env while it runs', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        if (/process\.env\b/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    }
  };
  const src = join(import.meta.dirname, '..');
  walk(join(src, 'nodes'));
  walk(join(src, 'sandbox'));
  assert.deepEqual(offenders, []);
});
