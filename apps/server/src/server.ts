import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';

export interface StartServerOptions extends AppOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; `0.0.0.0` to listen on every interface. */
  host?: string;
  /** Extra routes or hooks, registered before listening (e.g. a benchmark's own route). */
  configure?: (app: FastifyInstance) => unknown;
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  /**
   * Stops accepting connections, answers requests still arriving with 503, waits until the batch writer
   * has committed every request it took, then closes the database. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Builds the app over `db` and listens. The server owns `db` from here on (closing it, also when listening
 * fails); the caller owns the process (signals, exit codes).
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { port = 8787, host = '127.0.0.1', configure, ...appOptions } = options;
  const app = await buildApp(appOptions).catch(async (e: unknown) => {
    await options.db.close().catch(() => {});
    throw e;
  });
  // Responses finished while closing tell the client to drop the connection: a keep-alive connection
  // busy when close() began would otherwise hold the server open until its idle timeout.
  let stopping = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (stopping) reply.header('connection', 'close');
    done(null, payload);
  });
  try {
    if (configure) await configure(app);
    await app.listen({ port, host });
  } catch (e) {
    await app.close().catch(() => {});
    await options.db.close().catch(() => {});
    throw e;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    close: () =>
      (closing ??= (async () => {
        try {
          stopping = true;
          // app.close() runs the onClose hooks: the writer drains before we take its database away.
          await app.close();
        } finally {
          await options.db.close();
        }
      })()),
  };
}

export interface ShutdownOptions {
  /** Where progress is reported. Default: stderr. */
  log?: (line: string) => void;
  /** Past this, the process exits anyway (exit code 1). Default 15 s. */
  timeoutMs?: number;
  /** Called with the exit code once closed. Default: process.exit. */
  exit?: (code: number) => void;
  /** Called when the first signal arrives, before closing starts. Default: nothing. */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/**
 * SIGINT/SIGTERM → close gracefully and exit 0. A second signal, or a close that hangs past the
 * timeout, exits 1 at once: an operator pressing Ctrl-C twice means it.
 */
export function closeOnSignals(server: Pick<RunningServer, 'close'>, options: ShutdownOptions = {}): () => void {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting.`);
      return exit(1);
    }
    stopping = true;
    options.onSignal?.(signal);
    log(`${signal}: no new connections; writing what was received, then closing the database…`);
    const timer = setTimeout(() => {
      log('Shutdown took too long: exiting.');
      exit(1);
    }, options.timeoutMs ?? 15_000);
    timer.unref();
    server.close().then(
      () => {
        clearTimeout(timer);
        log('Stopped.');
        exit(0);
      },
      (e: unknown) => {
        clearTimeout(timer);
        log(`Shutdown failed: ${(e as Error).message}`);
        exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
