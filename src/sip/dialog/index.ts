/**
 * SIP dialogs (RFC 3261 12): the state both legs of a call keep to send
 * requests inside a dialog (ACK of a 2xx, BYE, re-INVITE).
 */

export { Dialog, dialogKey, type DialogId, type DialogRequestCheck, type DialogState } from './dialog.ts';
