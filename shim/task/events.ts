/** Topics of the task events the shim publishes, in containerd's spelling. */
export const TOPIC = {
  create: '/tasks/create',
  start: '/tasks/start',
  execAdded: '/tasks/exec-added',
  execStarted: '/tasks/exec-started',
  exit: '/tasks/exit',
  delete: '/tasks/delete',
  oom: '/tasks/oom',
  paused: '/tasks/paused',
  resumed: '/tasks/resumed',
} as const;

/** Topic → event message type (containerd api/events/task.proto). */
export const EVENT_TYPE: Readonly<Record<string, string>> = {
  [TOPIC.create]: 'containerd.events.TaskCreate',
  [TOPIC.start]: 'containerd.events.TaskStart',
  [TOPIC.execAdded]: 'containerd.events.TaskExecAdded',
  [TOPIC.execStarted]: 'containerd.events.TaskExecStarted',
  [TOPIC.exit]: 'containerd.events.TaskExit',
  [TOPIC.delete]: 'containerd.events.TaskDelete',
  [TOPIC.oom]: 'containerd.events.TaskOOM',
  [TOPIC.paused]: 'containerd.events.TaskPaused',
  [TOPIC.resumed]: 'containerd.events.TaskResumed',
};

/**
 * Where task events go. The real sink forwards them to containerd (Events/Forward on
 * TTRPC_ADDRESS) strictly in publish order; tests may record them.
 */
export interface EventSink {
  publish(topic: string, event: Record<string, unknown>): void;
  /** Resolves when every event published so far was delivered (or given up on). */
  flush(): Promise<void>;
}
