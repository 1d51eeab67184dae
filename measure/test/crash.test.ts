import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fileIoFor, isMemoryBacked } from '../file-io.js';
import { MeasurementLog, openRegister, parseLog, verifyLogBytes } from '../index.js';
import { type Swtpm, startSwtpm, swtpmMissing } from './swtpm-harness.js';

/** The inline path appends ~10× faster, so each kill leaves a longer log to verify: fewer kills. */
const TMPFS_KILLS = 50;
/** Memory-backed storage, where the log's file operations run inline. */
const SHM = '/dev/shm';
const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
/** Kills per backend: 100 on swtpm + 100 on the software register = 200. */
const KILLS = 100;
/** Upper bound of the random delay between the child's "ready" and SIGKILL. */
const MAX_DELAY_MS = 40;

let dir: string;
let tpm: Swtpm | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-crash-'));
  if (!swtpmMissing()) tpm = await startSwtpm(dir);
});
after(async () => {
  await tpm?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until killed; returns the sequence numbers it acknowledged. */
function runAndKill(logPath: string, spec: string): Promise<{ acks: number[]; ready: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, logPath, spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: number[] = [];
    let ready = false;
    let buf = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ack ')) acks.push(Number(line.slice(4)));
        else if (line.startsWith('ready') && !ready) {
          ready = true;
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * MAX_DELAY_MS));
        }
        nl = buf.indexOf('\n');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`child exited ${code ?? signal} before the kill: ${err.trim()}`));
      else resolve({ acks, ready });
    });
  });
}

async function crashLoop(name: string, spec: string, base = dir, kills = KILLS): Promise<void> {
  const logPath = join(base, `${name}.log`);
  let acked = 0;
  let completed = 0;
  let discarded = 0;
  let torn = 0;
  for (let i = 0; i < kills; i++) {
    const { acks } = await runAndKill(logPath, spec);
    const log = await MeasurementLog.open({ path: logPath, register: await openRegister(spec) });
    completed += log.recovery.completed;
    discarded += log.recovery.discarded;
    if (log.recovery.tornBytes > 0) torn++;
    const value = log.value;
    const next = log.nextSequence;
    await log.close();
    const reg = await openRegister(spec);
    const registerNow = await reg.read();
    await reg.close();
    assert.deepEqual(value, registerNow, `kill ${i}: recovered value is the register's`);
    const bytes = await readFile(logPath);
    const s = verifyLogBytes(bytes, {
      expected: registerNow,
      alg: reg.alg,
      mrIndex: reg.mrIndex,
      tpm: spec.startsWith('tpm:'),
    });
    assert.equal(s.records, next);
    const max = acks.length > 0 ? Math.max(...acks) : -1;
    assert.ok(max < next, `kill ${i}: acknowledged event ${max} lost (log has ${next})`);
    const records = parseLog(bytes).records;
    for (const a of acks) assert.match(records[a]!.content, new RegExp(`"seq":${a}[,}]`));
    acked += acks.length;
  }
  process.stdout.write(
    `# ${name}: ${kills} kills, ${acked} acknowledged events all present; recovery completed ${completed}, ` +
      `discarded ${discarded} pending events, repaired ${torn} torn tails\n`,
  );
}

test('crash consistency: software register, SIGKILL at random points', async () => {
  await crashLoop('software', `software:${join(dir, 'sw.reg')}`);
});

test('crash consistency: swtpm PCR 23, SIGKILL at random points', async (t) => {
  const why = swtpmMissing();
  if (why || !tpm) return t.skip(why ?? 'swtpm did not start');
  await crashLoop('swtpm', `tpm:swtpm:${tpm.sock}:pcr=23:sha256`);
});

test('crash consistency: log, WAL and software register on tmpfs (inline file operations)', async (t) => {
  if (!existsSync(SHM) || !(await isMemoryBacked(SHM))) return t.skip(`${SHM} is not tmpfs here`);
  const shm = await mkdtemp(join(SHM, 'ward-crash-'));
  try {
    assert.equal((await fileIoFor(join(shm, 'x.log'))).memoryBacked, true);
    await crashLoop('tmpfs', `software:${join(shm, 'sw.reg')}`, shm, TMPFS_KILLS);
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
});
