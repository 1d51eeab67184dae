import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileDestination, jsonLogger, type LogSink } from '../worker/logging.js';

test('log lines are pino lines: level, time, bindings, fields, msg; below the level nothing', () => {
  const lines: string[] = [];
  const sink: LogSink = { write: (l) => void lines.push(l) };
  const log = jsonLogger([sink], 'info', { pid: 7, pod: 'p' });
  log.debug({ a: 1 }, 'hidden');
  log.info({ n: 2n ** 70n, small: 5n, gone: undefined, err: new TypeError('bad') }, 'hello "x"');
  log.child({ component: 'agent' }).warn('plain');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('}\n')));
  const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
  assert.deepEqual(Object.keys(first), ['level', 'time', 'pid', 'pod', 'n', 'small', 'err', 'msg']);
  assert.equal(first['level'], 30);
  assert.equal(typeof first['time'], 'number');
  assert.equal(first['n'], (2n ** 70n).toString());
  assert.equal(first['small'], 5);
  assert.deepEqual(Object.keys(first['err'] as object), ['type', 'message', 'stack']);
  assert.equal(first['msg'], 'hello "x"');
  assert.match(
    lines[1] as string,
    /^\{"level":40,"time":\d+,"pid":7,"pod":"p","component":"agent","msg":"plain"\}\n$/,
  );
});

test('a circular field does not throw; the file sink appends and closes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ward-log-'));
  try {
    const dest = fileDestination(join(dir, 'sub', 'w.log'));
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const log = jsonLogger([dest], 'trace', {});
    log.trace({ circular }, 'one');
    log.error('two');
    dest.end();
    log.error('after end');
    const text = await readFile(join(dir, 'sub', 'w.log'), 'utf8');
    assert.deepEqual(
      text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['one', 'two'],
    );
    assert.match(text, /"circular":"\[unserializable\]"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
