import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_CHECKS, DEFAULT_CONFIG, defaultConfigToml, parseConfig } from '../index.js';

test('an empty file is the defaults; keys override', () => {
  assert.deepEqual(parseConfig('', 'f'), DEFAULT_CONFIG);
  const c = parseConfig(
    'log_level = "debug"\n[sandbox.local]\nagent = "process"\n[daemon]\nwarm_pool = 0\n',
    'f',
  );
  assert.equal(c.log_level, 'debug');
  assert.equal(c.sandbox.local.agent, 'process');
  assert.equal(c.sandbox.local.transport, 'unix');
  assert.equal(c.daemon.warm_pool, 0);
});

test('unknown keys and bad values name the file, the key and the reason', () => {
  const cases: [string, RegExp][] = [
    ['bogus = 1', /config f: bogus: unknown key$/],
    ['[sandbox]\ndriverr = "local"', /config f: sandbox\.driverr: unknown key$/],
    ['[sandbox]\ndriver = "vm"', /sandbox\.driver: must be one of "local", "remote"/],
    ['[agent]\ndial_timeout_ms = -1', /agent\.dial_timeout_ms: must be an integer in 100\.\.600000/],
    ['[agent]\ndial_timeout_ms = 1.5', /agent\.dial_timeout_ms: must be an integer/],
    ['[runtime]\nsocket_dir = "relative"', /runtime\.socket_dir: must be an absolute path/],
    ['[sandbox.remote]\naddress = "http://x"', /sandbox\.remote\.address: must start with vsock:\/\//],
    ['[sandbox]\ndriver = "remote"', /sandbox\.remote\.address: required when sandbox\.driver = "remote"/],
    ['sandbox = 3', /sandbox: must be a table/],
    ['log_level = ', /config f: /],
  ];
  for (const [text, re] of cases) assert.throws(() => parseConfig(text, 'f'), re, text);
});

test('the installed default config documents every key and parses back to the defaults', () => {
  const text = defaultConfigToml();
  // An installed node records identities where ward-spire-plugin reads them; all else is default.
  assert.deepEqual(parseConfig(text, 'default'), {
    ...DEFAULT_CONFIG,
    identity: { dir: '/var/lib/ward/identity' },
  });
  for (const key of Object.keys(CONFIG_CHECKS)) {
    const leaf = key.split('.').pop() ?? key;
    assert.match(text, new RegExp(`^${leaf} = `, 'm'), key);
  }
});
