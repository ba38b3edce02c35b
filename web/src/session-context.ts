// The signed-in session, for the controls that depend on who is looking:
// one the server would refuse this viewer is not offered.
import { createContext } from 'react';
import type { SessionView } from './api.ts';

export const SessionContext = createContext<SessionView | null>(null);
