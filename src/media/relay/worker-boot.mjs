// Starts a media worker. Worker threads do not inherit the TypeScript loader
// Sotto runs under (tsx, or vitest's), so the worker registers tsx itself
// before loading its TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./relay-worker.ts', import.meta.url).href);
