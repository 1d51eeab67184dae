/** Levels go-plugin's host understands in a plugin's JSON stderr lines. */
export type PluginLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * Writes one hclog-style JSON line to stderr. go-plugin hosts (SPIRE) parse these and re-log them
 * under the plugin's name at the given level; stdout is reserved for the handshake line.
 */
export function pluginLog(
  level: PluginLogLevel,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  process.stderr.write(
    `${JSON.stringify({ '@level': level, '@message': message, '@timestamp': new Date().toISOString(), ...fields })}\n`,
  );
}
