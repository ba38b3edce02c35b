// How times and lengths read in a notice. English only for now.

/**
 * "Jan 5, 2026, 3:04 PM EST". An unknown time zone falls back to UTC rather
 * than losing the notice: the time is a convenience, the portal has it too.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building a formatter costs far more than using one; zones are few. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
      timeZone,
    });
    if (formatters.size < 64) formatters.set(timeZone, f);
  }
  return f;
}

export function formatWhen(at: Date, timeZone = 'UTC'): string {
  if (Number.isNaN(at.getTime())) throw new Error('formatWhen: invalid date');
  let f: Intl.DateTimeFormat;
  try {
    f = formatterFor(timeZone);
  } catch {
    f = formatterFor('UTC');
  }
  return f.format(at);
}

/** "42 seconds", "1 minute 5 seconds", "3 minutes". Rounded to the second; never "0 seconds" for a real message. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error('formatDuration: duration must be a non-negative number');
  const total = ms === 0 ? 0 : Math.max(1, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes === 0) return part(seconds, 'second');
  if (seconds === 0) return part(minutes, 'minute');
  return `${part(minutes, 'minute')} ${part(seconds, 'second')}`;
}
