import { describe, expect, it } from 'vitest';
import { headerField, type SipRequest } from '../../sip/message/index.ts';
import { readInfoDtmf } from './info-dtmf.ts';

const info = (headers: Record<string, string>, body: string): SipRequest => ({
  kind: 'request',
  method: 'INFO',
  uri: { scheme: 'sip', user: '101', host: 'pbx.example', params: [], headers: [] } as unknown as SipRequest['uri'],
  version: 'SIP/2.0',
  headers: Object.entries(headers).map(([n, v]) => headerField(n, v)),
  body: Buffer.from(body),
});

describe('a key in an INFO (RFC 6086 legacy usage)', () => {
  it('reads application/dtmf-relay, names in any case, blanks around =, event codes for * # A-D', () => {
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf-relay' }, 'Signal=5\r\nDuration=160\r\n'))).toEqual({ kind: 'key', digit: '5', durationMs: 160 });
    expect(readInfoDtmf(info({ 'Content-Type': 'Application/DTMF-Relay' }, 'signal = #\nduration= 250'))).toEqual({ kind: 'key', digit: '#', durationMs: 250 });
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf-relay' }, 'Signal=10\r\n'))).toEqual({ kind: 'key', digit: '*', durationMs: 100 });
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf-relay' }, 'Signal=d\r\nDuration=x\r\n'))).toEqual({ kind: 'key', digit: 'D', durationMs: 100 });
  });

  it('reads application/dtmf (a key or its event code)', () => {
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf' }, '7'))).toEqual({ kind: 'key', digit: '7', durationMs: 100 });
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf' }, '11\r\n'))).toEqual({ kind: 'key', digit: '#', durationMs: 100 });
  });

  it('refuses an Info Package (469 with an empty Recv-Info), another body type (415 with Accept), a body without a key (400); an empty INFO is nothing to do', () => {
    const pkg = readInfoDtmf(info({ 'Info-Package': 'dtmf', 'Content-Type': 'application/dtmf' }, '1'));
    expect(pkg).toMatchObject({ kind: 'refused', status: 469 });
    // RFC 6086 4.2.2: a 469 carries Recv-Info, empty here: no package is taken.
    expect(pkg.kind === 'refused' && pkg.headers.map((h) => [h.name, h.value])).toEqual([['Recv-Info', '']]);
    const plain = readInfoDtmf(info({ 'Content-Type': 'text/plain' }, '1'));
    expect(plain).toMatchObject({ kind: 'refused', status: 415 });
    expect(plain.kind === 'refused' && plain.headers.map((h) => [h.name, h.value])).toEqual([['Accept', 'application/dtmf-relay, application/dtmf']]);
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf-relay' }, 'Signal=16\r\n'))).toMatchObject({ kind: 'refused', status: 400 });
    expect(readInfoDtmf(info({ 'Content-Type': 'application/dtmf' }, '55'))).toMatchObject({ kind: 'refused', status: 400 });
    expect(readInfoDtmf(info({}, ''))).toEqual({ kind: 'nothing' });
  });
});
