import { ShimError } from '../errors.js';

/** Where a task's process (init or exec) is in its life. */
export type ProcessStatus = 'created' | 'running' | 'paused' | 'stopped' | 'deleted';

/** What can happen to a process. */
export type LifecycleEvent = 'start' | 'pause' | 'resume' | 'exit' | 'delete';

/** The legal transitions: from which states an event may fire, and where it leads. */
export const TRANSITIONS: Readonly<
  Record<LifecycleEvent, { readonly from: readonly ProcessStatus[]; readonly to: ProcessStatus }>
> = {
  start: { from: ['created'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  exit: { from: ['created', 'running', 'paused'], to: 'stopped' },
  delete: { from: ['created', 'stopped'], to: 'deleted' },
};

/** Whether `event` may fire in state `s`. */
export function canTransition(s: ProcessStatus, event: LifecycleEvent): boolean {
  return TRANSITIONS[event].from.includes(s);
}

/**
 * The state after `event`; an illegal transition is a FailedPrecondition naming the process,
 * its state and the event, so containerd shows why (e.g. deleting a running task).
 */
export function transition(id: string, s: ProcessStatus, event: LifecycleEvent): ProcessStatus {
  if (!canTransition(s, event)) {
    throw new ShimError(`process ${id}: cannot ${event} a ${s} process`, 'ERR_SHIM_PRECONDITION');
  }
  return TRANSITIONS[event].to;
}

/** containerd.v1.types.Status numbers (api/types/task/task.proto). */
export const TASK_STATUS = { UNKNOWN: 0, CREATED: 1, RUNNING: 2, STOPPED: 3, PAUSED: 4, PAUSING: 5 } as const;

/** The containerd status number of a process state. */
export function toTaskStatus(s: ProcessStatus): number {
  switch (s) {
    case 'created':
      return TASK_STATUS.CREATED;
    case 'running':
      return TASK_STATUS.RUNNING;
    case 'paused':
      return TASK_STATUS.PAUSED;
    case 'stopped':
    case 'deleted':
      return TASK_STATUS.STOPPED;
  }
}
