// Lets this thread import Sotto's .ts files (see ts-hooks.mjs for why these
// hooks and not tsx's). Import it first: `await import('./register-ts.mjs')`
// or `node --import ./scripts/register-ts.mjs file.ts`. Worker threads do
// not inherit the hooks; each worker imports this itself.
import { register } from 'node:module';

register(new URL('./ts-hooks.mjs', import.meta.url));
process.setSourceMapsEnabled(true);
