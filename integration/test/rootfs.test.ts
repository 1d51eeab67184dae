import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildBusyboxRootfs, RootfsError } from '../rootfs/index.js';

const noBusybox = existsSync('/bin/busybox') ? undefined : 'busybox-static is not installed (/bin/busybox)';

test('busybox rootfs: binary, applet links, passwd, sticky /tmp; idempotent', { skip: noBusybox }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-rootfs-'));
  try {
    const r = buildBusyboxRootfs(dir, { files: { 'etc/motd': 'hi\n' } });
    assert.ok(r.applets > 100, `${r.applets} applets`);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), '/bin/busybox');
    assert.ok(lstatSync(join(dir, 'bin/busybox')).isFile());
    assert.match(readFileSync(join(dir, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
    assert.equal(statSync(join(dir, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(readFileSync(join(dir, 'etc/motd'), 'utf8'), 'hi\n');
    for (const d of ['proc', 'sys', 'dev']) assert.ok(statSync(join(dir, d)).isDirectory());
    // The copied binary runs from the rootfs (static: no loader needed).
    assert.equal(execFileSync(join(dir, 'bin/busybox'), ['echo', 'ok'], { encoding: 'utf8' }), 'ok\n');
    assert.equal(buildBusyboxRootfs(dir).applets, r.applets);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('busybox rootfs: a missing busybox is a RootfsError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-rootfs-'));
  try {
    assert.throws(() => buildBusyboxRootfs(dir, { busybox: '/nonexistent/busybox' }), RootfsError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
