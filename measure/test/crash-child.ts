// Child process of the crash-consistency test: opens (and so recovers) a log, then appends in a
// loop with several appends in flight, printing "ack <seq>" after each acknowledged event. The
// parent kills it with SIGKILL at a random moment.
import { MeasurementLog, openRegister } from '../index.js';

const [logPath, spec] = process.argv.slice(2);
if (!logPath || !spec) throw new Error('usage: crash-child LOG SPEC');
const IN_FLIGHT = 4;

const log = await MeasurementLog.open({ path: logPath, register: await openRegister(spec) });
process.stdout.write(`ready ${log.nextSequence}\n`);
const worker = async (): Promise<void> => {
  for (;;) {
    const r = await log.appendEvent('ward', 'crash-test', { pid: process.pid, t: Date.now() });
    process.stdout.write(`ack ${r.sequence}\n`);
  }
};
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
