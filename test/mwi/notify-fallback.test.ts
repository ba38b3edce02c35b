// A message-waiting NOTIFY to a phone that subscribed over TCP, after a
// restart: the subscription comes back from the database with the flow it
// came on (the phone's ephemeral port, no longer open), so the NOTIFY goes on
// a new connection to the subscriber's Contact (RFC 3261 18.1.1) instead of
// failing with 503 and ending the subscription (the lamp stayed dark).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SipStack } from '../../src/sip/core/index.ts';
import { EventNotifier } from '../../src/sip/event/notifier.ts';
import type { StoredDialog } from '../../src/sip/event/stored-dialog.ts';
import { getCSeq, parseMessage, StreamFramer, type SipRequest } from '../../src/sip/message/index.ts';
import { systemClock } from '../../src/sip/transaction/index.ts';
import { TcpTransport } from '../../src/sip/transport/index.ts';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

describe('MWI NOTIFY after a restart, subscriber on TCP', { timeout: 20_000 }, () => {
  it("goes to the subscriber's Contact port when its subscription's connection is gone", async () => {
    // The phone: listens on its Contact port, answers 200 to what comes in, keeps the NOTIFYs.
    const notifies: SipRequest[] = [];
    let arrived: () => void = () => {};
    const got = new Promise<void>((r) => (arrived = r));
    const phone = net.createServer((s) => {
      const framer = new StreamFramer();
      s.on('data', (chunk: Buffer) => {
        for (const e of framer.push(chunk).events) {
          if (e.kind !== 'message') continue;
          const m = parseMessage(e.bytes);
          if (!m.ok || m.value.kind !== 'request') continue;
          notifies.push(m.value);
          const copy = (name: string) => m.value.headers.filter((h) => h.name.toLowerCase() === name).map((h) => `${h.name}: ${h.value}`);
          s.write(['SIP/2.0 200 OK', ...copy('via'), ...copy('from'), ...copy('to'), ...copy('call-id'), ...copy('cseq'), 'Content-Length: 0', '', ''].join('\r\n'));
          arrived();
        }
      });
      s.on('error', () => {});
    });
    const contactPort = await listen(phone);
    closers.push(() => new Promise((r) => phone.close(r)));
    // The port its SUBSCRIBE came from before the restart: closed now.
    const gone = net.createServer();
    const flowPort = await listen(gone);
    await new Promise((r) => gone.close(r));

    const stack = await SipStack.start({ transports: [new TcpTransport({ host: '127.0.0.1', port: 0 })], user: { onRequest: () => {} } });
    closers.push(() => stack.close());
    const ended: string[] = [];
    const notifier = new EventNotifier({
      eventPackage: 'message-summary',
      contact: `<sip:127.0.0.1:${stack.transport('TCP')!.local.port};transport=tcp>`,
      clock: systemClock,
      send: (request, destination, user) => stack.sendRequest(request, destination, user),
      content: () => Promise.resolve({ contentType: 'application/simple-message-summary', body: Buffer.from('Messages-Waiting: yes\r\n') }),
      defaultExpires: 3600,
      minExpires: 60,
      maxExpires: 3600,
      // An end (503 when the NOTIFY cannot be sent) settles the wait too, so a failure shows its status.
      onEnded: (_r, end) => (ended.push(end.kind === 'terminated' ? end.reason : String(end.status)), arrived()),
    });
    closers.push(() => notifier.close());
    const stored: StoredDialog = {
      callId: 'sub-tcp-1',
      localTag: 'ours1',
      remoteTag: 'phone1',
      localUri: '<sip:101@example.com>',
      remoteUri: '<sip:101@example.com>',
      remoteTarget: `sip:101@127.0.0.1:${contactPort};transport=tcp`,
      routeSet: [],
      remoteSeq: 4,
      localSeq: 200,
      destination: { protocol: 'TCP', address: '127.0.0.1', port: flowPort },
    };
    expect(notifier.restore(stored, { package: 'message-summary' }, 'box-1', systemClock.now() + 600_000)).toBeDefined();
    expect(notifier.notify('box-1')).toBe(1);
    await got; // the NOTIFY, or the subscription's end
    expect(notifies.map((n) => `${n.method} ${getCSeq(n)?.seq}`)).toEqual(['NOTIFY 201']);
    expect(ended).toEqual([]);
  });
});
