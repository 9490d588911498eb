import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpUrl, listeningUrl, PublicUrl } from './public-url.js';

test('httpUrl brackets IPv6 hosts and leaves the others as they are', () => {
  assert.equal(httpUrl('127.0.0.1', 5678), 'http://127.0.0.1:5678');
  assert.equal(httpUrl('relais.internal', 80), 'http://relais.internal:80');
  assert.equal(httpUrl('::1', 5678), 'http://[::1]:5678');
  assert.equal(httpUrl('2001:db8::5', 443), 'http://[2001:db8::5]:443');
  assert.ok(URL.canParse(httpUrl('::1', 5678)));
});

test('listeningUrl: the bound address and port, a host name kept, a wildcard as its loopback', () => {
  const bound = (address: string, port: number) => ({
    address,
    port,
    family: address.includes(':') ? 'IPv6' : 'IPv4',
  });
  assert.equal(listeningUrl('127.0.0.1', bound('127.0.0.1', 41234)), 'http://127.0.0.1:41234');
  assert.equal(listeningUrl('::1', bound('::1', 41234)), 'http://[::1]:41234');
  assert.equal(listeningUrl('localhost', bound('::1', 41234)), 'http://localhost:41234');
  assert.equal(listeningUrl('0.0.0.0', bound('0.0.0.0', 5678)), 'http://127.0.0.1:5678');
  assert.equal(listeningUrl('::', bound('::', 5678)), 'http://[::1]:5678');
  assert.equal(listeningUrl('', bound('::', 5678)), 'http://[::1]:5678');
});

test('PublicUrl: the explicit setting wins; else the configured address until the server listens', () => {
  const derived = new PublicUrl({ host: '127.0.0.1', port: 0 });
  assert.equal(derived.explicit, false);
  assert.equal(derived.get(), 'http://127.0.0.1:0', 'before listen: the configured address');
  const get = derived.get;
  derived.listening({ address: '127.0.0.1', port: 40001, family: 'IPv4' });
  assert.equal(get(), 'http://127.0.0.1:40001', 'read through a detached `get` too');
  derived.listening(null);
  assert.equal(get(), 'http://127.0.0.1:40001', 'no address: unchanged');

  const explicit = new PublicUrl({ publicUrl: 'https://relais.example.com', host: '127.0.0.1', port: 0 });
  assert.equal(explicit.explicit, true);
  explicit.listening({ address: '127.0.0.1', port: 40001, family: 'IPv4' });
  assert.equal(explicit.get(), 'https://relais.example.com');

  assert.equal(new PublicUrl({ host: '::1', port: 5678 }).get(), 'http://[::1]:5678');
});
