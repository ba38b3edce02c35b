// Real SIP peers for interop tests and benchmarks: sipp scenarios, the
// baresip softphone and the Kamailio registrar, each started on loopback with
// free ports, bounded in time and always stopped. The pieces live in
// test/interop/harness/; this is the one import tests and benches use.
//
//   const kam = await startKamailio({ users: [{ username: '101', domain: 'example.test', password }] });
//   const run = await runSipp({ scenario: 'register-auth', target: kam.target, transport: 'udp', username: '101', password, domain: 'example.test' });
//   expect(run.flow).toEqual(['> REGISTER', '< 401', '> REGISTER', '< 200']);
//   const phone = await startBaresip({ aor: 'sip:101@example.test', password, transport: 'tcp', outboundProxy: kam.target });
//   await phone.stop();

export { PeerExitedError, PeerProcess, PeerTimeoutError } from '../interop/harness/child.ts';
export { freeSipPort, LOOPBACK, udpBound } from '../interop/harness/ports.ts';
export { probeOptions, waitForSip, type OptionsProbeResult } from '../interop/harness/sip-probe.ts';
export {
  contactBindings,
  digestChallenges,
  flowSummary,
  formatTrace,
  headerValue,
  headerValues,
  parseSippTrace,
  type ContactBinding,
  type TracedHeader,
  type TracedSipMessage,
  type TraceDirection,
} from '../interop/harness/sipp-trace.ts';
export {
  describeSippRun,
  injectionFile,
  runSipp,
  SCENARIO_DIR,
  scenarioPath,
  sippSupportsTls,
  SippTransportUnavailableError,
  type SipCredentials,
  type SippCounts,
  type SippRunOptions,
  type SippRunResult,
  type SipTransport,
} from '../interop/harness/sipp.ts';
export {
  BaresipRegistrationError,
  parseBaresipTrace,
  startBaresip,
  type BaresipAgent,
  type BaresipOptions,
  type RegistrationOutcome,
} from '../interop/harness/baresip.ts';
export {
  kamailioAvailable,
  kamailioTlsAvailable,
  kamailioSqliteAvailable,
  eatmydataLibrary,
  kamailioConfig,
  startKamailio,
  subscriberTable,
  type KamailioOptions,
  type KamailioServer,
} from '../interop/harness/kamailio.ts';
export { processTree, processTreeCpuMs } from '../interop/harness/process-cpu.ts';
export { SottoStartError, startSotto, type SottoOptions, type SottoServer } from '../interop/harness/sotto.ts';
