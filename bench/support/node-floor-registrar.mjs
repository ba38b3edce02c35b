// The least any registrar on node:dgram must do, as a benchmark peer: the
// floor under Sotto's figures, measured under the same sipp load.
//
// For each datagram: read it as text, copy the headers a response must
// echo (Via, From, To, Call-ID, CSeq; Contact for a 200), and send a reply
// from one socket. A REGISTER without Authorization gets a 401 with a fixed
// MD5 qop=auth challenge; one with it gets a 200 listing the Contact with
// an expiry. OPTIONS gets a 200. Nothing is checked: no digest, no nonce,
// no transaction, no binding kept, no database, no log. A real registrar
// does all of that on top, so its CPU per registration cannot be lower than
// this program's on the same runtime.
//
//   node bench/support/node-floor-registrar.mjs PORT   (prints "ready" when bound)
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2] ?? 0);
const ECHOED = ['via:', 'from:', 'to:', 'call-id:', 'cseq:'];
const CHALLENGE = 'WWW-Authenticate: Digest realm="bench.sotto.test", nonce="c2b1f0a9d3e4f5a6b7c8d9e0f1a2b3c4", qop="auth", algorithm=MD5\r\n';

/** The header lines of `text` whose names are in `names` (lower case, with the colon), CRLF-terminated, in order. */
function headerLines(text, names) {
  let out = '';
  let contact = '';
  let authorized = false;
  for (let at = text.indexOf('\r\n') + 2; at < text.length; ) {
    const end = text.indexOf('\r\n', at);
    if (end <= at) break;
    const line = text.slice(at, end);
    const lower = line.slice(0, 15).toLowerCase();
    if (names.some((n) => lower.startsWith(n))) out += line + (lower.startsWith('to:') ? ';tag=floor' : '') + '\r\n';
    else if (lower.startsWith('contact:')) contact = line;
    else if (lower.startsWith('authorization:')) authorized = true;
    at = end + 2;
  }
  return { out, contact, authorized };
}

const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
socket.on('message', (bytes, from) => {
  const text = bytes.toString('latin1');
  const method = text.slice(0, text.indexOf(' '));
  if (method !== 'REGISTER' && method !== 'OPTIONS') return;
  const { out, contact, authorized } = headerLines(text, ECHOED);
  let reply;
  if (method === 'OPTIONS') reply = `SIP/2.0 200 OK\r\n${out}Content-Length: 0\r\n\r\n`;
  else if (!authorized) reply = `SIP/2.0 401 Unauthorized\r\n${out}${CHALLENGE}Content-Length: 0\r\n\r\n`;
  else reply = `SIP/2.0 200 OK\r\n${out}${contact};expires=3600\r\nContent-Length: 0\r\n\r\n`;
  socket.send(Buffer.from(reply, 'latin1'), from.port, from.address);
});
socket.bind(port, '127.0.0.1', () => process.stdout.write(`ready ${socket.address().port}\n`));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
