// A secret given to a command on stdin (a voicemail PIN, a portal password),
// which keeps it out of shell history and the process list. Piped: the first
// line. Typed at a terminal: after a prompt on stderr, without echo.

/** The first line of stdin, without its line ending. */
export async function readSecretLine(prompt: string): Promise<string> {
  if (process.stdin.isTTY) return readUnechoed(prompt);
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

function readUnechoed(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let typed: string[] = [];
    const finish = (value: string) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(typed.join(''));
        if (ch === '\u0003') {
          // Ctrl-C: as a shell would, with nothing changed.
          finish('');
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed.push(ch);
      }
    };
    stdin.on('data', onData);
  });
}
