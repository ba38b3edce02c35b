// Escaping and the shared frame of every notice. Everything that goes into
// HTML passes through escapeHtml, including values we produced ourselves:
// a practice name or a transcript is text typed by someone else.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * One line of plain text as a label or a subject part: control characters
 * (CR/LF included, so nothing can start a new header or line) become spaces,
 * runs of space collapse, and the result is cut to `max` characters.
 */
export function singleLine(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export interface HtmlFrame {
  /** Plain text of the <title>; escaped here. */
  title: string;
  /** Already-escaped HTML of the body. */
  bodyHtml: string;
  /** Plain text of the footer; escaped here. */
  footer: string;
}

export function htmlDocument(frame: HtmlFrame): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(frame.title)}</title></head>`,
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1a1a1a; line-height: 1.5; max-width: 36em; margin: 0 auto; padding: 1em;">',
    frame.bodyHtml,
    `<p style="color: #666; font-size: 0.85em; border-top: 1px solid #ddd; padding-top: 0.75em;">${escapeHtml(frame.footer)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A link button; `href` must be a URL we built (see portal-links.ts), it is escaped all the same. */
export function htmlButton(href: string, label: string): string {
  return `<p><a href="${escapeHtml(href)}" style="display: inline-block; background: #1f5fa8; color: #fff; text-decoration: none; padding: 0.6em 1.2em; border-radius: 4px;">${escapeHtml(label)}</a></p>`;
}
