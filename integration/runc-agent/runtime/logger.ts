/** The logging the runtime does (pino's call shape, so a pino logger fits as is). */
export interface AgentLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  /** Step-by-step detail (e.g. each stop step); optional, so a plain {info, warn} logger fits. */
  debug?(obj: object, msg: string): void;
}
