/**
 * Sotto's SIP message layer (RFC 3261 7, 19, 20, 25): pure parsing,
 * serialization, typed header access and response building.
 */

export * from './types.ts';
export { parseMessage, type ParseOptions } from './parse.ts';
export { serializeMessage, formatStartLine } from './serialize.ts';
export { StreamFramer, type FramerEvent, type FramerResult } from './stream-framer.ts';
export { createResponse, generateTag, REASON_PHRASES, statelessToTag, type CreateResponseOptions } from './response.ts';
export { checkRequest, acceptsMediaType, nextHopMaxForwards, type RequestPolicy, type RequestRejection, type RequestCheckCode } from './request-checks.ts';
export {
  parseUri,
  formatUri,
  uriEquals,
  uriParam,
  isSipUri,
  isTelUri,
  escapeUser,
  escapeParam,
  unescapeUri,
  type UriErrorCode,
} from './uri.ts';
export { parseHost, formatHost, normalizeHost, isIpv4, isIpv6, type HostKind, type ParsedHost } from './host.ts';
export {
  headerField,
  getHeader,
  getHeaderFields,
  getHeaderList,
  hasHeader,
  appendHeader,
  prependHeader,
  removeHeader,
  setHeader,
  removeFirstListElement,
} from './headers/header-list.ts';
export { headerKey, canonicalHeaderName } from './headers/names.ts';
export { keyOf } from './headers/header-field.ts';
export {
  getVias,
  getTopVia,
  getFrom,
  getTo,
  getCallId,
  getCSeq,
  getMaxForwards,
  getExpires,
  getContentLength,
  getContentType,
  getContacts,
  getRoutes,
  getRecordRoutes,
  getAccept,
  getSupported,
  getRequire,
  getProxyRequire,
  getUnsupported,
  getAllow,
  getAuthorizations,
  getChallenges,
} from './headers/accessors.ts';
export { parseVia, formatVia, createVia, withReceived, BRANCH_MAGIC_COOKIE } from './headers/via.ts';
export { parseNameAddr, parseFromTo, parseContact, formatNameAddr, formatContact, MAX_DELTA_SECONDS } from './headers/name-addr.ts';
export { parseCSeq, formatCSeq, MAX_CSEQ } from './headers/cseq.ts';
export { parseMediaType, formatMediaType, mediaRangeCovers } from './headers/media-type.ts';
export { parseAuthField, formatAuthField } from './headers/auth-field.ts';
export { parseTokenList } from './headers/option-tags.ts';
export { findParam, paramValue, formatParams, quote } from './headers/lexer.ts';
