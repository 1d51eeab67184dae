import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  cgroupRootsFromMountinfo,
  IdentityError,
  matchCgroupPath,
  normalizeRecord,
  parseCgroupFile,
  parseHcl,
  serviceAccountFromJwt,
} from '../index.js';

// Bad input must end in an IdentityError (a clear, coded error) or a result — never a crash.
function onlyIdentityErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof IdentityError, `unexpected ${String(err)}`);
  }
}

const pathChars = fc.constantFrom(...'/-_.:abcdef0123456789pod'.split(''));
const cgroupish = fc.array(pathChars, { maxLength: 200 }).map((a) => a.join(''));

test('cgroup and mountinfo parsing never crash on arbitrary input', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 400 }), cgroupish), (s) => {
      onlyIdentityErrors(() => parseCgroupFile(s));
      onlyIdentityErrors(() => matchCgroupPath(s));
      onlyIdentityErrors(() => cgroupRootsFromMountinfo(s));
    }),
    { numRuns: 2000 },
  );
});

test('a matched container id is always the last path segment and a matched pod UID is canonical', () => {
  fc.assert(
    fc.property(cgroupish, (s) => {
      const m = matchCgroupPath(`/${s}`);
      if (!m) return;
      const trimmed = `/${s}`.replace(/\.scope$/, '');
      assert.ok(trimmed.endsWith(m.containerId));
      if (m.podUid !== '')
        assert.match(m.podUid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }),
    { numRuns: 2000 },
  );
});

const hclChars = fc.constantFrom(...'ab_=" {}[],\n#/*-1.5truefals\\<'.split(''));

test('the HCL parser and record validation never crash on arbitrary input', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(hclChars, { maxLength: 120 }).map((a) => a.join('')),
      ),
      (s) => {
        onlyIdentityErrors(() => parseHcl(s));
        onlyIdentityErrors(() => serviceAccountFromJwt(s));
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.anything(), (v) => {
      onlyIdentityErrors(() => normalizeRecord(v));
      onlyIdentityErrors(() =>
        normalizeRecord({ containerId: 'a'.repeat(64), ...(typeof v === 'object' ? v : {}) }),
      );
    }),
    { numRuns: 1000 },
  );
});
