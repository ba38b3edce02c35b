import { describe, expect, it } from 'vitest';
import { createVia, getTopVia, type HeaderField } from '../message/index.ts';
import { parseViaList } from '../message/headers/accessors.ts';
import { MemoHeaderField } from '../message/headers/header-field.ts';
import { ownViaField } from './own-via.ts';

/** What a reader of the field gets, and what parsing its text gives. */
const remembered = (f: HeaderField) => MemoHeaderField.parse(f, parseViaList);
const fresh = (f: HeaderField) => parseViaList(f.value);

describe('ownViaField', () => {
  it.each([
    ['UDP', '192.0.2.10', 5060, true],
    ['TCP', 'pbx.clinic.example', 5060, true],
    ['TLS', '::1', 5061, false],
    ['UDP', '[2001:db8::5]', 0, true],
    ['ws', 'Sotto.Clinic.Example', 443, true],
    ['UDP', '10.0.0.1', undefined, true],
  ] as const)('remembers exactly the parse of its own text: %s %s %s', (transport, host, port, rport) => {
    const via = createVia({ transport, host, ...(port !== undefined ? { port } : {}), branch: 'z9hG4bK0a1b2c3d4e5f', rport });
    const field = ownViaField(via);
    expect(field.name).toBe('Via');
    expect(remembered(field)).toStrictEqual(fresh(field));
    expect(getTopVia([field])?.branch).toBe('z9hG4bK0a1b2c3d4e5f');
  });

  it('parses from the text when the host would not read back as written', () => {
    const field = ownViaField(createVia({ transport: 'UDP', host: 'bad host', port: 5060, branch: 'z9hG4bKx' }));
    expect(field.value).toBe('SIP/2.0/UDP bad host:5060;branch=z9hG4bKx');
    expect(remembered(field)).toStrictEqual(fresh(field));
  });
});
