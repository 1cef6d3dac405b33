// A lean HTTP/1.1 load generator for bench/ingest.js. node:http's client (Agent, IncomingMessage,
// header objects, streams) cost ~90 µs of CPU per request, a third of the 2-core machine that also runs
// the API and PostgreSQL. Here each client is one raw keep-alive socket with one request in flight at a
// time — no pipelining, as browsers and Segment's libraries do not pipeline — whose bytes are written in
// one call, and whose answer is read only as far as the status line, Content-Length and body.
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

/**
 * One connection posting `nextBody()` to `path` until `shouldContinue()` is false. `onAnswer(status, body,
 * startedAt)` is called for each answer with the body as a string. Resolves when the last answer is in;
 * a connection error or an unexpected close rejects.
 */
export function runConnection({ host, port, path, authorization, nextBody, shouldContinue, onAnswer }) {
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: `;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    let pending = null; // bytes received for the current answer
    let startedAt = 0;
    let done = false;

    const send = () => {
      if (!shouldContinue()) {
        done = true;
        socket.end();
        return resolve();
      }
      const body = nextBody();
      startedAt = performance.now();
      // The bodies are ASCII (the bench builds them), so their length in characters is their length in bytes.
      socket.write(head + body.length + '\r\n\r\n' + body, 'latin1');
    };

    socket.on('connect', send);
    socket.on('data', (chunk) => {
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      const headerEnd = pending.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = pending.latin1Slice(0, headerEnd);
      const length = CONTENT_LENGTH.exec(header);
      if (!length) return reject(new Error(`answer without Content-Length: ${header.slice(0, 200)}`));
      const bodyStart = headerEnd + 4;
      const bodyEnd = bodyStart + Number(length[1]);
      if (pending.length < bodyEnd) return;
      if (pending.length > bodyEnd) return reject(new Error('more bytes than one answer: the server answered what was not asked'));
      const status = Number(header.slice(9, 12));
      const body = pending.utf8Slice(bodyStart, bodyEnd);
      pending = null;
      onAnswer(status, body, startedAt);
      send();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!done) reject(new Error('the server closed a keep-alive connection'));
    });
  });
}
