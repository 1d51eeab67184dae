import { pluginLog } from './plugin/log.js';
import { handshakeLine, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, servePlugin } from './plugin/serve.js';

// ward-spire-plugin: an external SPIRE WorkloadAttestor loaded by the agent with go-plugin.
if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
  process.stderr.write(
    'ward-spire-plugin: this is a SPIRE agent plugin, not a command; configure it as\n' +
      '  WorkloadAttestor "ward" { plugin_cmd = "…/ward-spire-plugin" plugin_data { … } }\n',
  );
  process.exit(1);
}

try {
  const plugin = await servePlugin({
    config: null,
    registry: null,
    brokered: new Map(),
    onShutdown: () => shutdown(0),
  });
  const shutdown = (code: number): void => {
    void plugin.stop().finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.stdout.write(handshakeLine(plugin.socketPath));
} catch (err) {
  pluginLog('error', `cannot start: ${(err as Error).message}`);
  process.exit(1);
}
