import { seedDemo } from '../../app/demo.ts';
import { isTier } from '../../policy/index.ts';
import { withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';

export async function demoCommand(opts: { tier?: string; json?: boolean }): Promise<number> {
  if (opts.tier !== undefined && !isTier(opts.tier)) throw usageError('INVALID_TIER', '--tier must be essentials, pro or pro-plus');
  const out = await withRuntime((rt) => seedDemo(rt, opts.tier !== undefined ? { tier: opts.tier as 'essentials' | 'pro' | 'pro-plus' } : {}));
  if (opts.json) printJson(out);
  else {
    printLines([
      `Demo practice "${out.practice.name}" (${out.practice.tier}), id ${out.practice.id}`,
      `Admin: ${out.admin.email}  password ${out.admin.password}  TOTP secret ${out.admin.totpSecret}`,
      `API token: ${out.apiToken}`,
      `SIP domain ${out.sip.domain}, UDP/TCP port ${out.sip.udpPort}, TLS port ${out.sip.tlsPort}`,
      ...out.extensions.map((e) => `  ext ${e.extension}: SIP user ${e.sipUsername} password ${e.sipPassword}, voicemail PIN ${e.voicemailPin}`),
    ]);
  }
  return 0;
}
