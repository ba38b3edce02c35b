/**
 * SIP stack figures (no assertions): how many transactions per second the
 * transaction layer alone sustains, and how many OPTIONS/REGISTER-shaped
 * requests per second the full stack answers over UDP loopback, with CPU
 * time per request. The load generator shares the process, so the UDP rate
 * understates what the stack does on a core of its own.
 *
 *   npx tsx bench/sip-transactions.ts [seconds]
 */

import dgram from 'node:dgram';
import { createResponse, parseMessage, type SipRequest } from '../src/sip/message/index.ts';
import { optionsResponse, SipStack } from '../src/sip/core/index.ts';
import { systemClock, TransactionLayer } from '../src/sip/transaction/index.ts';
import os from 'node:os';
import { UdpTransport } from '../src/sip/transport/index.ts';

const seconds = Number(process.argv[2] ?? 3);

function requestText(branch: string, port: number): string {
  return (
    'OPTIONS sip:sotto@127.0.0.1 SIP/2.0\r\n' +
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport\r\n` +
    'Max-Forwards: 70\r\nFrom: <sip:101@example.com>;tag=b1\r\nTo: <sip:sotto@example.com>\r\n' +
    `Call-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

function transactionLayerRate(): void {
  const layer = new TransactionLayer({ clock: systemClock });
  const channel = { reliable: false, send: () => Promise.resolve(true) };
  const parsed = parseMessage(Buffer.from(requestText('z9hG4bKbench', 5060)));
  if (!parsed.ok) throw new Error('bench fixture');
  const base = parsed.value as SipRequest;
  const n = 200_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const req: SipRequest = { ...base, headers: base.headers.map((h) => (h.name === 'Via' ? { name: 'Via', value: `SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${i}` } : h)) };
    layer.receiveRequest(req);
    const tx = layer.startServer(req, channel);
    tx?.respond(createResponse(req, 200));
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  layer.terminateAll();
  console.log(`transaction layer: ${Math.round((n / ms) * 1000)} NIST/s (match+create+respond+Timer J), ${((cpu.user + cpu.system) / n).toFixed(2)} us CPU each`);
}

async function udpOptionsRate(): Promise<void> {
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
  const stack = await SipStack.start({ transports: [udp], user: { onRequest: (tx, req) => tx.respond(optionsResponse(req)) } });
  const client = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  const port = client.address().port;
  const window = 200;
  let sent = 0;
  let answered = 0;
  let running = true;
  const send = (): void => {
    sent++;
    client.send(requestText(`z9hG4bKu${sent}`, port), udp.local.port, '127.0.0.1');
  };
  client.on('message', () => {
    answered++;
    if (running) send();
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < window; i++) send();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`UDP OPTIONS, client in-process: ${Math.round((answered / ms) * 1000)} req/s, ${((cpu.user + cpu.system) / answered).toFixed(1)} us CPU per request (client included), receive buffer ${udp.receiveBufferSize} bytes`);
  client.close();
  await stack.close();
}

console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
transactionLayerRate();
await udpOptionsRate();
