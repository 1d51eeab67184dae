import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AF_VSOCK,
  decodeSockaddrVm,
  encodeSockaddrUn,
  encodeSockaddrVm,
  formatAddress,
  parseAddress,
  SOCKADDR_VM_SIZE,
  TransportError,
  TransportErrorCode,
  VMADDR_CID_ANY,
} from '../ttrpc/index.js';

const GOOD: [string, unknown][] = [
  ['unix:///run/ward/agent.sock', { kind: 'unix', path: '/run/ward/agent.sock', abstract: false }],
  ['unix://@ward-agent', { kind: 'unix', path: 'ward-agent', abstract: true }],
  ['vsock://3:1024', { kind: 'vsock', cid: 3, port: 1024 }],
  ['vsock://-1:1024', { kind: 'vsock', cid: VMADDR_CID_ANY, port: 1024 }],
  ['vsock://4294967294:4294967294', { kind: 'vsock', cid: 0xffff_fffe, port: 0xffff_fffe }],
  ['hvsock:///run/vc/fc/kata.hvsock:1024', { kind: 'hvsock', path: '/run/vc/fc/kata.hvsock', port: 1024 }],
  ['hvsock:///a:b/c.sock:2', { kind: 'hvsock', path: '/a:b/c.sock', port: 2 }],
  ['tcp://10.0.0.2:15150', { kind: 'tcp', host: '10.0.0.2', port: 15150 }],
  ['tcp://agent.local:80', { kind: 'tcp', host: 'agent.local', port: 80 }],
  ['tcp://[::1]:9000', { kind: 'tcp', host: '::1', port: 9000 }],
];

const BAD: string[] = [
  '',
  '/run/ward.sock',
  'unix://relative/path',
  'unix://@',
  `unix:///${'x'.repeat(200)}`,
  'vsock://3',
  'vsock://x:1024',
  'vsock://3:99999999999',
  'vsock://3:1024:5',
  'hvsock://relative:1024',
  'hvsock:///path/no-port',
  'hvsock:///path:-1',
  'tcp://host',
  'tcp://host:70000',
  'tcp://:80',
  'http://example.com:80',
];

test('addresses parse to their parts and format back to the same string', () => {
  for (const [text, parsed] of GOOD) {
    assert.deepEqual(parseAddress(text), parsed, text);
    assert.equal(formatAddress(parseAddress(text)), text);
  }
});

test('CID and port 4294967295 are -1 (VMADDR_CID_ANY, VMADDR_PORT_ANY) in canonical form', () => {
  assert.equal(formatAddress(parseAddress('vsock://4294967295:4294967295')), 'vsock://-1:-1');
});

test('malformed addresses fail with ERR_TRANSPORT_ADDRESS and say why', () => {
  for (const text of BAD) {
    assert.throws(
      () => parseAddress(text),
      (e: unknown) =>
        e instanceof TransportError &&
        e.code === TransportErrorCode.ADDRESS &&
        e.message.includes(`"${text}"`),
      text,
    );
  }
});

test('sockaddr_vm: family 40, reserved zero, port, cid, zero padding, host byte order', () => {
  const buf = encodeSockaddrVm(3, 1024);
  assert.equal(buf.length, SOCKADDR_VM_SIZE);
  assert.equal(SOCKADDR_VM_SIZE, 16);
  assert.equal(buf.readUInt16LE(0), AF_VSOCK);
  assert.equal(AF_VSOCK, 40);
  assert.equal(buf.readUInt16LE(2), 0);
  assert.equal(buf.readUInt32LE(4), 1024);
  assert.equal(buf.readUInt32LE(8), 3);
  assert.deepEqual([...buf.subarray(12)], [0, 0, 0, 0]);
  assert.deepEqual([...encodeSockaddrVm(VMADDR_CID_ANY, 0xffff_ffff)].slice(4, 12), Array(8).fill(0xff));
  assert.deepEqual(decodeSockaddrVm(encodeSockaddrVm(2, 5000)), { cid: 2, port: 5000 });
  assert.throws(() => decodeSockaddrVm(Buffer.alloc(16)), TransportError);
});

test('sockaddr_un: path sockets count the NUL terminator, abstract names do not', () => {
  const p = encodeSockaddrUn('/tmp/x.sock', false);
  assert.equal(p.addr.readUInt16LE(0), 1);
  assert.equal(p.addr.subarray(2, 13).toString(), '/tmp/x.sock');
  assert.equal(p.length, 2 + 11 + 1);
  const a = encodeSockaddrUn('ward', true);
  assert.equal(a.addr[2], 0);
  assert.equal(a.addr.subarray(3, 7).toString(), 'ward');
  assert.equal(a.length, 2 + 1 + 4);
  assert.throws(() => encodeSockaddrUn(`/${'y'.repeat(120)}`, false), TransportError);
});
