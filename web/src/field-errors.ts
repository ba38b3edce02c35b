// Where a refusal belongs on a form. The API names the field it refused:
// details.issues[].path ("body/label", "body/retention/auditDays") for a
// schema failure, details.field ("sipUsername", "retention.auditDays") for a
// directory rule. A page shows its own words for that field next to it,
// rather than the API's sentence at the top of the page.
import { ApiError } from './api.ts';

/** The refused body field as a dotted name ("label", "retention.auditDays"), or null when the refusal names none. */
export function refusedField(e: unknown): string | null {
  if (!(e instanceof ApiError) || !e.details) return null;
  const field = e.details['field'];
  if (typeof field === 'string') return field;
  const issues = e.details['issues'];
  const path: unknown = Array.isArray(issues) ? (issues[0] as { path?: unknown } | undefined)?.path : undefined;
  if (typeof path !== 'string' || !path.startsWith('body/')) return null;
  return path.slice('body/'.length).replaceAll('/', '.');
}

/** The attributes that tie a control to its problem line, when it has one. */
export function problemAttributes(id: string, problem: string | null | undefined, describedBy?: string) {
  const ids = [problem ? `${id}-problem` : null, describedBy ?? null].filter(Boolean).join(' ');
  return { 'aria-invalid': problem ? true : undefined, 'aria-describedby': ids || undefined };
}
