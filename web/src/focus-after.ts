// Keyboard focus after an action whose control goes away or is disabled on
// the way (a busy Save, a confirmation that closes): without a move the
// browser drops focus to <body> and a keyboard or screen-reader user starts
// again from the top of the page.
import { useCallback, useEffect, useState } from 'react';

/**
 * Returns `focusAfterRender(target)`: once the render that the caller's state
 * changes bring is on screen, focus goes to `target()` (a status line, the
 * field at fault, the control that opened a closed dialog).
 */
export function useFocusAfterRender(): (target: () => HTMLElement | null | undefined) => void {
  const [request, setRequest] = useState<{ target: () => HTMLElement | null | undefined } | null>(null);
  useEffect(() => {
    request?.target()?.focus();
  }, [request]);
  return useCallback((target: () => HTMLElement | null | undefined) => setRequest({ target }), []);
}
