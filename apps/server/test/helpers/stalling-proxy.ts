import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can go silent: after `stall()` it keeps every connection open
 * but forwards nothing either way, and accepts new connections without ever answering them — a database
 * host that hangs (or a network that drops packets) without closing anything. `resume()` forwards again;
 * the connections that lost data are closed (their clients gave up on them), idle ones carry on.
 */
export async function createStallingProxy(target: { host: string; port: number }) {
  const open = new Set<Socket>();
  /** Connections that lost data or were never answered: broken for good, closed on resume. */
  const broken = new Set<Socket>();
  let stalled = false;
  const track = (sock: Socket) => {
    open.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => {
      open.delete(sock);
      broken.delete(sock);
    });
  };
  const server = createServer((client) => {
    track(client);
    if (stalled) {
      broken.add(client); // accepted, never answered
      return;
    }
    const upstream = connect(target);
    track(upstream);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('data', (chunk: Buffer) => {
        if (stalled) broken.add(client);
        else b.write(chunk);
      });
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const sock of broken) sock.destroy();
    },
    async close() {
      for (const sock of open) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
