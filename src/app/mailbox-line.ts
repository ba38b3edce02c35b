// The mailbox by phone on a live call: `*97` or one's own extension reaches
// the B2BUA's onMailbox hook; Sotto answers through the relay and runs the
// menu (voicemail/mailbox/) on that leg until the menu says goodbye or the
// caller hangs up. The PIN is asked every time; the caller's device id is
// only the key of the per-caller PIN lockout.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { MediaRelay } from '../media/relay/index.ts';
import type { UnavailableCall } from '../pbx/calls/call.ts';
import { answerThroughRelay } from '../pbx/calls/local-answer.ts';
import type { LocalCallLeg } from '../pbx/calls/local-leg.ts';
import { findBoxByExtension, kyselyMailboxPins, startMailboxSession, type GreetingStore, type MailboxAccess, type MailboxSessionLogger } from '../voicemail/mailbox/index.ts';
import { renderSpeech } from '../voicemail/index.ts';

/** The relay leg id of the caller on a mailbox call (the only leg). */
const LEG = 'caller';

export interface MailboxLineOptions {
  db: Kysely<Database>;
  relay: MediaRelay;
  mailbox: MailboxAccess;
  greetings: GreetingStore;
  logger: MailboxSessionLogger;
}

export interface MailboxLine {
  onMailbox(call: UnavailableCall, target: { own: boolean }): void;
  /** Mailbox calls in progress (tests, health). */
  readonly inProgress: number;
  /** Hangs up every mailbox call (shutdown). */
  close(): void;
}

export function createMailboxLine(o: MailboxLineOptions): MailboxLine {
  const active = new Map<string, () => void>();
  const pins = kyselyMailboxPins(o.db);

  async function serve(call: UnavailableCall, own: boolean): Promise<void> {
    let boxId: string | undefined;
    if (own) {
      boxId = (await findBoxByExtension(o.db, call.practiceId, call.caller.extension))?.id;
      if (!boxId) return call.reject(404);
    }
    const relayCallId = `mb-${call.id}`;
    let leg: LocalCallLeg | undefined;
    try {
      leg = await answerThroughRelay(o.relay, relayCallId, LEG, call);
    } catch (e) {
      o.logger.warn({ event: 'mailbox.answer_failed', callId: call.id, code: codeOf(e) }, 'mailbox');
      return call.reject(488);
    }
    if (!leg) return void (await o.relay.delete(relayCallId).catch(() => {}));
    const session = startMailboxSession({
      relay: o.relay,
      callId: relayCallId,
      legId: LEG,
      practiceId: call.practiceId,
      ...(boxId ? { boxId } : {}),
      callerKey: call.caller.deviceId,
      mailbox: o.mailbox,
      greetings: o.greetings,
      renderSpeech,
      pins,
      hangUp: () => leg.hangup(),
      logger: o.logger,
    });
    active.set(relayCallId, () => leg.hangup());
    void leg.ended.then(() => session.hangup());
    try {
      await session.done;
    } finally {
      active.delete(relayCallId);
      leg.hangup();
      await o.relay.delete(relayCallId).catch(() => {});
    }
  }

  return {
    onMailbox(call, target) {
      void serve(call, target.own).catch((e: unknown) => {
        o.logger.warn({ event: 'mailbox.failed', callId: call.id, code: codeOf(e) }, 'mailbox');
        call.reject(500);
      });
    },
    get inProgress() {
      return active.size;
    },
    close() {
      for (const hangUp of active.values()) hangUp();
    },
  };
}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : 'error';
}
