// "Is a SIP server answering here?": one OPTIONS over UDP (RFC 3261 11),
// retransmitted on the RFC's Timer E schedule until a final response or the
// deadline. Used to wait for a peer to be ready and by the bench to tell
// whether Sotto's SIP side is there at all. Test-side code only: Sotto's own
// stack lives in src/sip/.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { LOOPBACK } from './ports.ts';

export interface OptionsProbeResult {
  /** Status code of the final response, or undefined when nothing answered. */
  status: number | undefined;
  /** The response as received (a test-side diagnostic, never logged by Sotto). */
  response: string | undefined;
}

export function probeOptions(host: string, port: number, timeoutMs: number): Promise<OptionsProbeResult> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const branch = `z9hG4bK-probe-${randomBytes(6).toString('hex')}`;
    const callId = `probe-${randomBytes(8).toString('hex')}`;
    let timer: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let interval = 100;
    const finish = (r: OptionsProbeResult): void => {
      if (timer) clearTimeout(timer);
      if (deadline) clearTimeout(deadline);
      sock.close();
      resolve(r);
    };
    sock.on('error', () => finish({ status: undefined, response: undefined }));
    sock.on('message', (buf) => {
      const text = buf.toString('latin1');
      const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
      if (!m || !text.includes(branch)) return;
      const status = Number(m[1]);
      if (status >= 200) finish({ status, response: text });
    });
    sock.bind(0, LOOPBACK, () => {
      const local = sock.address();
      const msg = Buffer.from(
        [
          `OPTIONS sip:${host}:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=${branch};rport`,
          'Max-Forwards: 70',
          `From: <sip:probe@${local.address}>;tag=${randomBytes(4).toString('hex')}`,
          `To: <sip:${host}:${port}>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 OPTIONS',
          'Accept: application/sdp',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
      const send = (): void => {
        sock.send(msg, port, host, () => undefined);
        // RFC 3261 17.1.2.2: Timer E doubles up to T2 (4 s); shorter steps
        // here suit a server that is still starting.
        interval = Math.min(interval * 2, 1000);
        timer = setTimeout(send, interval);
      };
      send();
    });
    deadline = setTimeout(() => finish({ status: undefined, response: undefined }), timeoutMs);
  });
}

/** Polls with OPTIONS until a final response arrives; false at the deadline. */
export async function waitForSip(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    // A probe can end early (e.g. an ICMP error on the socket): try again.
    const r = await probeOptions(host, port, left);
    if (r.status !== undefined) return true;
  }
}
