// The native relay's control protocol, straight to the program: requests it
// cannot read get RELAY_BAD_REQUEST and change nothing; it keeps answering.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNativeRelay } from '../../src/media/relay/native-build.ts';

let child: ChildProcessWithoutNullStreams;
const lines: string[] = [];
const waiters: ((line: string) => void)[] = [];

function nextLine(): Promise<string> {
  const line = lines.shift();
  if (line !== undefined) return Promise.resolve(line);
  return new Promise((resolve) => waiters.push(resolve));
}

async function ask(request: string): Promise<string> {
  child.stdin.write(`${request}\n`);
  return nextLine();
}

beforeAll(async () => {
  const binary = await buildNativeRelay();
  if (!binary.ok) throw new Error(`native relay did not build: ${binary.error.code}`);
  child = spawn(binary.value, ['127.0.0.1', '262144', '262144', '60000', '3600000']);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  expect(await nextLine()).toBe('READY 1');
}, 60_000);

afterAll(() => child?.stdin.end());

describe('native relay control lines', () => {
  it('binds, configures and deletes a call with well-formed lines', async () => {
    expect(await ask('B 1 7 46100 46102')).toBe('R 1 OK');
    expect(await ask('C 2 7 46100,127.0.0.1,41000,41001,0,101,3,o 46102,127.0.0.1,42000,42001,0,101,3,o')).toBe('R 2 OK');
    // The delete answers with each leg's last stats (port, latched, counters…, peer): nothing latched yet.
    const deleted = await ask('D 3 7');
    expect(deleted).toMatch(/^R 3 OK 4610[02],0,0,0,0,0,0,0,0,\d+,-,0 4610[02],0,0,0,0,0,0,0,0,\d+,-,0$/);
    expect(await ask('D 4 7')).toBe('R 4 OK');
  });

  it('refuses a leg spec with a field too many or too few, and keeps answering', async () => {
    expect(await ask('B 40 8 46104')).toBe('R 40 OK');
    expect(await ask('C 5 8 46104,127.0.0.1,41000,41001,0,101,3,o,extra')).toBe('R 5 ERR RELAY_BAD_REQUEST');
    expect(await ask('C 6 8 46104,127.0.0.1,41000,41001,0,101,3')).toBe('R 6 ERR RELAY_BAD_REQUEST');
    expect(await ask('C 7 8 46104,127.0.0.1,41000,41001,0,101,3,x')).toBe('R 7 ERR RELAY_BAD_REQUEST');
    expect(await ask('B 8 8 46105')).toBe('R 8 ERR RELAY_BAD_REQUEST');
    expect(await ask('P 9')).toBe('R 9 OK');
    expect(await ask('D 10 8')).toMatch(/^R 10 OK 46104,0,/);
  });

  it('refuses to move a clock it was not started with held (only tests hold it)', async () => {
    expect(await ask('T 11 60000')).toBe('R 11 ERR RELAY_BAD_REQUEST');
    expect(await ask('P 12')).toBe('R 12 OK');
  });
});
