// Free loopback ports, picked by the kernel. SIP servers listen on the same
// number for UDP and TCP (RFC 3261 18: a server MUST listen on both), so the
// pair is checked together.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

function tcpPortFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, LOOPBACK, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
    });
  });
}

function udpPortFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(undefined);
    });
    sock.bind(port, LOOPBACK, () => {
      const p = sock.address().port;
      sock.close(() => resolve(p));
    });
  });
}

/** A port free for both UDP and TCP on loopback. */
export async function freeSipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpPortFree(0);
    if (port !== undefined && (await udpPortFree(port)) !== undefined) return port;
  }
  throw new Error('no free UDP+TCP port pair on loopback after 50 attempts');
}


/** Settles once something has bound UDP `port` (a sipp callee is listening: it prints nothing when ready). */
export async function udpBound(port: number, timeoutMs = 10_000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const until = Date.now() + timeoutMs;
  while (!readFileSync('/proc/net/udp', 'utf8').includes(hex)) {
    if (Date.now() > until) throw new Error(`nothing bound UDP port ${port}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
