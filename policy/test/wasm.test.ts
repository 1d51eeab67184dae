import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Engine, PolicyError, readTar, WasmPolicy } from '../index.js';

/** Builds a ustar archive of regular files (what `opa build` writes, minus directories). */
function tar(files: Record<string, string>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text, 'utf8');
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('        ', 148);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test('readTar finds bundle files in a gzipped tar', () => {
  const files = readTar(gzipSync(tar({ '/data.json': '{"a":1}', 'policy.wasm': 'xx' })));
  assert.equal(Buffer.from(files.get('/data.json')!).toString(), '{"a":1}');
  assert.equal(Buffer.from(files.get('/policy.wasm')!).toString(), 'xx');
});

test('a bundle without /policy.wasm is rejected', async () => {
  await assert.rejects(WasmPolicy.load(gzipSync(tar({ '/data.json': '{}' }))), PolicyError);
});

test('bytes that are not WebAssembly are rejected', async () => {
  await assert.rejects(WasmPolicy.load(Buffer.from('package x')), /not a WebAssembly module/);
});

test('a WebAssembly module that is not an OPA policy is rejected cleanly', async () => {
  const emptyModule = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const e = new Engine();
  await assert.rejects(
    e.loadWasm(emptyModule),
    (err: unknown) => err instanceof PolicyError && /loading wasm/.test(err.message),
  );
});

test('evaluating a real `opa build -t wasm` policy', (t) => {
  t.skip('no opa binary here to compile a policy to wasm; only loading and bundle parsing are tested');
});
