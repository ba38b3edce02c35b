/**
 * The Via header field of a request this stack sends (RFC 3261 8.1.1.7),
 * carrying its own parse: the transaction layer reads the branch back at
 * once (17.1.3 client key), and parsing the text just written from `via`
 * would rebuild the same Via, its parameter list and strings, per request.
 */

import { formatHost, formatVia, headerField, parseHost, type HeaderField, type Via } from '../message/index.ts';
import { parseViaList } from '../message/headers/accessors.ts';
import { MemoHeaderField } from '../message/headers/header-field.ts';

export function ownViaField(via: Via): HeaderField {
  const value = formatVia(via);
  // Only where the text reads back as written (a host parseHost takes as it
  // is, a port in range); anything else is parsed from the text, as before.
  const host = parseHost(formatHost(via.host, via.hostKind));
  const portOk = via.port === undefined || (Number.isInteger(via.port) && via.port >= 0 && via.port <= 65535);
  if (!host || host.host !== via.host || host.kind !== via.hostKind || !portOk || via.protocol !== 'SIP/2.0') return headerField('Via', value);
  // The shape parseVia gives (every field present), so a reader cannot tell the two apart.
  const parsed: Via = {
    protocol: via.protocol,
    transport: via.transport,
    host: via.host,
    hostKind: via.hostKind,
    port: via.port,
    params: via.params,
    branch: via.branch,
    received: undefined,
    rport: via.rport,
    maddr: undefined,
    ttl: undefined,
  };
  return MemoHeaderField.withParse('Via', value, parseViaList, [parsed]);
}
