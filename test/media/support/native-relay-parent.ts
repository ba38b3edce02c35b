// A parent process for the "no orphan" test: starts a MediaRelay on the
// native plane, prints the child's pid, then waits to be killed.
import { MediaRelay } from '../../../src/media/relay/index.ts';

const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 42400, max: 42499 }, workers: 1, dataPlane: 'native' });
process.stdout.write(`${relay.nativePid}\n`);
setInterval(() => {}, 1 << 30);
