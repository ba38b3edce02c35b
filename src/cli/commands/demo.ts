import { seedDemo } from '../../app/demo.ts';
import { isTier } from '../../policy/index.ts';
import { withRuntime } from '../context.ts';
import { printJson, printLines, usageError } from '../output.ts';

export async function demoCommand(opts: { tier?: string; json?: boolean }): Promise<number> {
  if (opts.tier !== undefined && !isTier(opts.tier)) throw usageError('INVALID_TIER', '--tier must be essentials, pro or pro-plus');
  const out = await withRuntime((rt) => seedDemo(rt, opts.tier !== undefined ? { tier: opts.tier as 'essentials' | 'pro' | 'pro-plus' } : {}));
  if (opts.json) printJson(out);
  else {
    // A secret changed since the demo set it is not known any more (only its hash is kept): say so.
    const shown = (secret: string | null) => secret ?? '(changed since the demo set it; not shown)';
    printLines([
      `Demo practice "${out.practice.name}" (${out.practice.tier}), id ${out.practice.id}`,
      `Admin: ${out.admin.email}  password ${shown(out.admin.password)}  TOTP secret ${shown(out.admin.totpSecret)}`,
      `API token: ${out.apiToken ?? '(revoked; create one with `sotto token create --role admin`)'}`,
      `SIP domain ${out.sip.domain}, UDP/TCP port ${out.sip.udpPort}, TLS port ${out.sip.tlsPort}`,
      ...out.extensions.map((e) => `  ext ${e.extension}: SIP user ${e.sipUsername} password ${shown(e.sipPassword)}, voicemail PIN ${shown(e.voicemailPin)}`),
    ]);
  }
  return 0;
}
