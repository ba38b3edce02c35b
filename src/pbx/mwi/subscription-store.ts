// MWI subscriptions in the database (migration 0009), so a restart does not
// forget them: a phone holds its subscription active for up to its Expires
// (an hour, typically) and would not re-subscribe before then.
//
// CSeq. RFC 3261 12.2.1.1: every request we send in the dialog carries a
// CSeq higher than the last. Writing the row on every NOTIFY would cost a
// write per lamp change, so the row holds a reservation instead: the
// highest CSeq a NOTIFY may carry before the row is rewritten
// (`cseq_reserved`). A NOTIFY that comes within RESERVE_AHEAD of the
// reservation extends it by CSEQ_BLOCK, well before it is reached (NOTIFYs
// of one subscription go one at a time, each waiting for its answer). A
// restored dialog continues from the reservation, above any CSeq sent
// before the restart, crash or not, and reserves a new block before its
// first NOTIFY.
//
// The subscriber's URIs are stored as the registrar stores a binding's
// contact (sip_bindings): directory data, in the clear, never logged.
import type { Kysely } from 'kysely';
import type { Database, MwiSubscriptionsTable } from '../../db/index.ts';
import type { StoredDialog } from '../../sip/event/index.ts';
import type { TransportProtocol } from '../../sip/transport/index.ts';

export const CSEQ_BLOCK = 100;
export const RESERVE_AHEAD = 50;

export interface StoredMwiSubscription {
  readonly dialog: StoredDialog;
  readonly practiceId: string;
  readonly deviceId: string;
  readonly boxId: string;
  /** The Message-Account line of its NOTIFYs. */
  readonly account: string;
  /** The Event header's id parameter (RFC 6665 8.2.1), if the subscriber sent one. */
  readonly eventId: string | undefined;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** The highest CSeq a NOTIFY may carry before the row is rewritten. */
  readonly cseqReserved: number;
}

export interface MwiSubscriptionStore {
  save(sub: StoredMwiSubscription): Promise<void>;
  reserve(callId: string, localTag: string, cseqReserved: number): Promise<void>;
  remove(callId: string, localTag: string): Promise<void>;
  /** Every row of a device (disabled or removed), restored or not. */
  removeDevice(deviceId: string): Promise<void>;
  /** Subscriptions still running at `now` whose device and user are active; the rest are deleted. */
  loadActive(now: number): Promise<StoredMwiSubscription[]>;
}

const PROTOCOLS: readonly string[] = ['UDP', 'TCP', 'TLS'] satisfies TransportProtocol[];

export class KyselyMwiSubscriptionStore implements MwiSubscriptionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(s: StoredMwiSubscription): Promise<void> {
    const row = toRow(s);
    const { call_id: _c, local_tag: _l, ...rest } = row;
    await this.db
      .insertInto('mwi_subscriptions')
      .values(row)
      .onConflict((oc) => oc.columns(['call_id', 'local_tag']).doUpdateSet(rest))
      .execute();
  }

  async reserve(callId: string, localTag: string, cseqReserved: number): Promise<void> {
    await this.db.updateTable('mwi_subscriptions').set({ cseq_reserved: cseqReserved }).where('call_id', '=', callId).where('local_tag', '=', localTag).execute();
  }

  async remove(callId: string, localTag: string): Promise<void> {
    await this.db.deleteFrom('mwi_subscriptions').where('call_id', '=', callId).where('local_tag', '=', localTag).execute();
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.db.deleteFrom('mwi_subscriptions').where('device_id', '=', deviceId).execute();
  }

  async loadActive(now: number): Promise<StoredMwiSubscription[]> {
    // Over while we were down, or their device or user disabled meanwhile (the CLI works without us).
    await this.db
      .deleteFrom('mwi_subscriptions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', now),
          eb.not(
            eb.exists(
              eb
                .selectFrom('devices')
                .innerJoin('users', 'users.id', 'devices.user_id')
                .select('devices.id')
                .whereRef('devices.id', '=', 'mwi_subscriptions.device_id')
                .where('devices.status', '=', 'active')
                .where('users.status', '=', 'active'),
            ),
          ),
        ]),
      )
      .execute();
    const rows = await this.db.selectFrom('mwi_subscriptions').selectAll().where('expires_at', '>', now).orderBy('expires_at').execute();
    const out: StoredMwiSubscription[] = [];
    for (const r of rows) {
      const s = fromRow(r);
      if (s) out.push(s);
    }
    return out;
  }
}

function toRow(s: StoredMwiSubscription): MwiSubscriptionsTable {
  const d = s.dialog;
  return {
    call_id: d.callId,
    local_tag: d.localTag,
    remote_tag: d.remoteTag,
    practice_id: s.practiceId,
    device_id: s.deviceId,
    box_id: s.boxId,
    account: s.account,
    event_id: s.eventId ?? null,
    local_uri: d.localUri,
    remote_uri: d.remoteUri,
    remote_target: d.remoteTarget,
    route_set: JSON.stringify(d.routeSet),
    remote_cseq: d.remoteSeq,
    cseq_reserved: s.cseqReserved,
    transport: d.destination.protocol,
    address: d.destination.address,
    port: d.destination.port,
    expires_at: s.expiresAt,
  };
}

/** A row back; undefined when it no longer makes sense (a hand-edited route set, an unknown transport). */
function fromRow(r: MwiSubscriptionsTable): StoredMwiSubscription | undefined {
  let routeSet: unknown;
  try {
    routeSet = JSON.parse(r.route_set);
  } catch {
    return undefined;
  }
  if (!Array.isArray(routeSet) || !routeSet.every((x) => typeof x === 'string') || !PROTOCOLS.includes(r.transport)) return undefined;
  const reserved = Number(r.cseq_reserved);
  return {
    dialog: {
      callId: r.call_id,
      localTag: r.local_tag,
      remoteTag: r.remote_tag,
      localUri: r.local_uri,
      remoteUri: r.remote_uri,
      remoteTarget: r.remote_target,
      routeSet: routeSet as string[],
      remoteSeq: Number(r.remote_cseq),
      localSeq: reserved,
      destination: { protocol: r.transport as TransportProtocol, address: r.address, port: r.port },
    },
    practiceId: r.practice_id,
    deviceId: r.device_id,
    boxId: r.box_id,
    account: r.account,
    eventId: r.event_id ?? undefined,
    expiresAt: Number(r.expires_at),
    cseqReserved: reserved,
  };
}
