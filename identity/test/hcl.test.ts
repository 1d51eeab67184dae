import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdentityError, parseHcl, parsePluginConfig } from '../index.js';

test('HCL subset: strings, numbers, bools, lists, blocks and comments', () => {
  const v = parseHcl(`
    # comment
    registry_socket = "/run/ward/identity.sock" // trailing
    n = -12.5e1
    ok = true
    /* block
       comment */
    list = [
      "a\\"b",
      2, false,
    ]
    selectors {
      pod_labels = false
    }
    obj = { x = 1 }
  `);
  assert.deepEqual(JSON.parse(JSON.stringify(v)), {
    registry_socket: '/run/ward/identity.sock',
    n: -125,
    ok: true,
    list: ['a"b', 2, false],
    selectors: { pod_labels: false },
    obj: { x: 1 },
  });
});

test('JSON plugin_data is accepted as HCL accepts it', () => {
  assert.deepEqual(
    JSON.parse(JSON.stringify(parseHcl('{"registry_socket": "/x", "selectors": {"measured": false}}'))),
    {
      registry_socket: '/x',
      selectors: { measured: false },
    },
  );
  assert.equal(parsePluginConfig('{"registry_socket": "/y"}').registrySocket, '/y');
  assert.throws(() => parseHcl('{"a": null}'), /null/);
  assert.throws(() => parseHcl('{"a": '), /not valid JSON/);
});

test('malformed HCL is an error with line and column', () => {
  const cases: [string, RegExp][] = [
    ['a = ', /1:5: expected a value/],
    ['a = "x', /unterminated string/],
    ['a = 1\na = 2', /2:1: duplicate key 'a'/],
    ['a = [1 2]', /expected ',' or '\]'/],
    ['b { c = 1', /missing '}'/],
    ['a = <<EOF\nx\nEOF', /heredoc/],
    ['a = 1 b = 2', /expected a new line/],
    ['a = @', /unexpected character/],
    ['a = "\\q"', /unsupported escape/],
  ];
  for (const [src, re] of cases) {
    assert.throws(
      () => parseHcl(src),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_CONFIG' && re.test(e.message),
      src,
    );
  }
});

test('plugin_data: defaults, selector options, and unknown keys or wrong types refused', () => {
  const c = parsePluginConfig('');
  assert.equal(c.registrySocket, '/run/ward/identity.sock');
  assert.equal(c.procRoot, '/proc');
  assert.deepEqual(c.selectors, { podLabels: true, measured: true });
  assert.deepEqual(c.signatures.thresholds, { tlog: 1, ctlog: 1, timestamp: 1 });
  const d = parsePluginConfig(
    'registry_socket = "/x.sock"\nselectors {\n measured = false\n}\nskip_signature_verification_image_list = ["sha256:aa"]',
  );
  assert.equal(d.registrySocket, '/x.sock');
  assert.equal(d.selectors.measured, false);
  assert.deepEqual(d.signatures.skipImages, ['sha256:aa']);
  for (const bad of [
    'registry_sockets = "/x"',
    'registry_socket = 1',
    'selectors { colour = true }',
    'selectors { pod_labels = "yes" }',
    'cosign_public_keys = "/k.pem"',
    'cosign_public_keys = ["/nonexistent/k.pem"]',
    'sigstore_trusted_root = "/nonexistent/root.json"',
    'sigstore_tlog_threshold = -1',
    'sigstore_tlog_threshold = 1.5',
  ]) {
    assert.throws(
      () => parsePluginConfig(bad),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_CONFIG',
      bad,
    );
  }
});
