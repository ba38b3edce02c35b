// Client-side routes on the History API; the server answers every non-API
// path with index.html, so any of these URLs can be reloaded or bookmarked.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const NAVIGATED = 'sotto:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** A real link (middle-click, copy address work) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const follow = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}

export type UserTab = 'profile' | 'devices' | 'voicemail';

export type Route =
  | { page: 'users' }
  | { page: 'user'; userId: string; tab: UserTab }
  | { page: 'posture' }
  | { page: 'practice' }
  | { page: 'audit' }
  | { page: 'inbox'; messageId?: string }
  | { page: 'account' }
  | { page: 'not-found' };

/** A message id as email notices put it in a link (src/notify/portal-links.ts): a UUID, nothing else. */
const MESSAGE_LINK = /^\/voicemails\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function matchRoute(path: string): Route {
  if (path === '/' || path === '/users') return { page: 'users' };
  if (path === '/posture') return { page: 'posture' };
  if (path === '/practice') return { page: 'practice' };
  if (path === '/audit') return { page: 'audit' };
  if (path === '/voicemail' || path === '/voicemails') return { page: 'inbox' };
  const message = MESSAGE_LINK.exec(path);
  if (message) return { page: 'inbox', messageId: message[1]!.toLowerCase() };
  if (path === '/account/security') return { page: 'account' };
  const user = /^\/users\/([A-Za-z0-9_-]+)(?:\/(devices|voicemail))?$/.exec(path);
  if (user) return { page: 'user', userId: user[1]!, tab: user[2] === 'voicemail' ? 'voicemail' : user[2] === 'devices' ? 'devices' : 'profile' };
  return { page: 'not-found' };
}
