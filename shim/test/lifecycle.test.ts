import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canTransition,
  type LifecycleEvent,
  type ProcessStatus,
  ShimError,
  toWireStatus,
  transition,
} from '../index.js';

const STATES: ProcessStatus[] = ['created', 'running', 'paused', 'stopped', 'deleted'];
const EVENTS: LifecycleEvent[] = ['start', 'pause', 'resume', 'exit', 'delete'];
const LEGAL: Record<string, ProcessStatus> = {
  'created/start': 'running',
  'running/pause': 'paused',
  'paused/resume': 'running',
  'created/exit': 'stopped',
  'running/exit': 'stopped',
  'paused/exit': 'stopped',
  'created/delete': 'deleted',
  'stopped/delete': 'deleted',
};

test('the process state machine: every (state, event) pair', () => {
  for (const s of STATES) {
    for (const e of EVENTS) {
      const want = LEGAL[`${s}/${e}`];
      assert.equal(canTransition(s, e), want !== undefined, `${s}/${e}`);
      if (want) assert.equal(transition('p', s, e), want);
      else {
        assert.throws(
          () => transition('p', s, e),
          (err: unknown) =>
            err instanceof ShimError &&
            err.code === 'ERR_SHIM_PRECONDITION' &&
            err.message.includes(`cannot ${e} a ${s}`),
        );
      }
    }
  }
});

test('one function maps errors to ttrpc status codes', () => {
  const code = (e: unknown): number => toWireStatus(e).code;
  assert.equal(code(new ShimError('x', 'ERR_SHIM_NOT_FOUND')), 5);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_EXISTS')), 6);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_PRECONDITION')), 9);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_INVALID')), 3);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_CONFIG')), 3);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_UNIMPLEMENTED')), 12);
  assert.equal(code(new ShimError('x', 'ERR_SHIM_AGENT')), 14);
  // An agent's status (a policy denial) keeps its code through the shim.
  const denied = Object.assign(new Error('CreateContainerRequest is blocked by policy'), { grpcCode: 7 });
  assert.equal(code(new ShimError('agent CreateContainer: blocked', 'ERR_SHIM_AGENT', { cause: denied })), 7);
  assert.equal(code(new Error('boom')), 13);
  assert.equal(toWireStatus(new Error('two\nlines')).message, 'two lines');
});
