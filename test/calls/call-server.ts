// The B2BUA under test, in process, over real loopback UDP, TCP and TLS:
// the registrar and the B2BUA on one stack, the media relay beside them,
// bindings in memory. Call tests build phones against it.
import { AddressBackoff, systemClock } from '../../src/auth/index.ts';
import { MediaRelay, type MediaRelayOptions } from '../../src/media/relay/index.ts';
import { B2bua, type B2buaOptions } from '../../src/pbx/calls/b2bua.ts';
import type { UnavailableReason } from '../../src/pbx/calls/call.ts';
import type { Binding } from '../../src/pbx/registrar/binding.ts';
import type { LocationStore } from '../../src/pbx/registrar/location-store.ts';
import { Registrar, type RegistrarDirectory } from '../../src/pbx/registrar/registrar.ts';
import { computeHa1 } from '../../src/sip/auth/index.ts';
import { SipStack } from '../../src/sip/core/index.ts';
import { createResponse } from '../../src/sip/message/index.ts';
import { generateSelfSignedCertificate, TcpTransport, TlsTransport, UdpTransport } from '../../src/sip/transport/index.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { CallPhone, type PhoneTransport } from './call-phone.ts';

export const DOMAIN = 'calls.example.test';
export const PASSWORDS: Record<string, string> = { '101': 'pw-101-secret', '102': 'pw-102-secret', '103': 'pw-103-secret' };

export class MemoryLocationStore implements LocationStore {
  readonly bindings = new Map<string, Binding[]>();
  async lookup(aor: string): Promise<Binding[]> {
    return this.bindings.get(aor) ?? [];
  }
  async apply(_practiceId: string, aor: string, upsert: Binding[], remove: string[]): Promise<void> {
    const gone = new Set([...remove, ...upsert.map((b) => b.contact)]);
    this.bindings.set(aor, [...(this.bindings.get(aor) ?? []).filter((b) => !gone.has(b.contact)), ...upsert]);
  }
  async removeDevice(): Promise<number> {
    return 0;
  }
  async purgeExpired(): Promise<number> {
    return 0;
  }
}

export const directory: RegistrarDirectory = {
  async practiceForDomain(domain) {
    return domain === DOMAIN ? { id: 'practice-1', realm: DOMAIN } : undefined;
  },
  async credential(realm, username) {
    const pw = PASSWORDS[username];
    if (!pw) return undefined;
    return { deviceId: `dev-${username}`, practiceId: 'practice-1', extension: username, ha1Md5: computeHa1('MD5', username, realm, pw), ha1Sha256: computeHa1('SHA-256', username, realm, pw) };
  },
};

const quiet = { debug: () => {}, info: () => {}, warn: () => {} };
export const nonceSecret = Buffer.alloc(32, 7);

export type B2buaOverrides = Partial<Omit<B2buaOptions, 'stack' | 'directory' | 'locations' | 'nonceSecret' | 'contact'>>;

export class CallServer {
  readonly unavailable: UnavailableReason[] = [];
  b2bua!: B2bua;
  private readonly closers: Array<{ close(): void }> = [];

  private constructor(
    readonly stack: SipStack,
    readonly relay: MediaRelay,
    readonly certPem: string,
    readonly store: MemoryLocationStore,
  ) {}

  /**
   * `store`: bindings kept from an earlier server (a restart). `phoneCa`: the
   * certificates our TLS client trusts when it connects to a phone.
   * `dataPlane`: the relay's (default 'auto': native when it builds).
   * `relay`: more media relay options (a held clock).
   */
  static async start(
    rtpPorts: { min: number; max: number },
    o: { store?: MemoryLocationStore; phoneCa?: string; dataPlane?: 'auto' | 'native' | 'js'; relay?: Partial<MediaRelayOptions> } = {},
  ): Promise<CallServer> {
    const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: rtpPorts, workers: 1, ...(o.dataPlane ? { dataPlane: o.dataPlane } : {}), ...o.relay });
    const cert = generateSelfSignedCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1'], keyType: 'ec' });
    let server: CallServer | undefined;
    const store = o.store ?? new MemoryLocationStore();
    const registrar = new Registrar({
      directory,
      store,
      backoff: { perUser: new AddressBackoff({ clock: systemClock, freeFailures: 100 }), perAddress: new AddressBackoff({ clock: systemClock, freeFailures: 100 }) },
      nonceSecret,
      now: () => Date.now(),
      logger: quiet,
    });
    const stack = await SipStack.start({
      transports: [
        new UdpTransport({ host: '127.0.0.1', port: 0 }),
        new TcpTransport({ host: '127.0.0.1', port: 0 }),
        new TlsTransport({ host: '127.0.0.1', port: 0, cert: cert.certPem, key: cert.keyPem, ...(o.phoneCa ? { ca: o.phoneCa } : {}) }),
      ],
      user: {
        onRequest(tx, request, source) {
          if (request.method === 'REGISTER') return void registrar.handle(tx, request, source).catch(() => tx.respond(createResponse(request, 500)));
          server!.b2bua.onRequest(tx, request, source);
        },
        onAck: (ack) => server!.b2bua.onAck(ack),
        onCancel: (cancelTx, invite, cancel) => server!.b2bua.onCancel(cancelTx, invite, cancel),
      },
    });
    server = new CallServer(stack, relay, cert.certPem, store);
    // Bindings from before a restart stay.
    if (o.store) server.use();
    else server.reset();
    return server;
  }

  /** A fresh B2BUA (and no bindings, no recorded reasons) for the next test. */
  reset(overrides: B2buaOverrides = {}): B2bua {
    this.store.bindings.clear();
    this.unavailable.length = 0;
    return this.use(overrides);
  }

  /** Replaces the B2BUA, keeping bindings. */
  use(overrides: B2buaOverrides = {}): B2bua {
    this.b2bua?.close();
    this.b2bua = new B2bua({
      stack: this.stack,
      relay: this.relay,
      directory,
      locations: this.store,
      nonceSecret,
      now: () => Date.now(),
      contact: `<sip:127.0.0.1:${this.port('UDP')}>`,
      contacts: {
        TCP: `<sip:127.0.0.1:${this.port('TCP')};transport=tcp>`,
        TLS: `<sip:127.0.0.1:${this.port('TLS')};transport=tls>`,
      },
      onUnavailable: (call, reason) => {
        this.unavailable.push(reason);
        call.reject(480);
      },
      ...overrides,
    });
    return this.b2bua;
  }

  port(protocol: PhoneTransport): number {
    return this.stack.transport(protocol)!.local.port;
  }

  async phone(username: string, transport: PhoneTransport = 'UDP', password = PASSWORDS[username]!): Promise<CallPhone> {
    const p = await CallPhone.open({ server: { host: '127.0.0.1', port: this.port(transport) }, domain: DOMAIN, username, password, transport, ca: this.certPem });
    this.closers.push(p);
    return p;
  }

  async media(): Promise<FakePhone> {
    const m = await FakePhone.open();
    this.closers.push(m);
    return m;
  }

  async close(): Promise<void> {
    for (const c of this.closers) c.close();
    this.b2bua?.close();
    await this.stack.close();
    await this.relay.close();
  }
}
