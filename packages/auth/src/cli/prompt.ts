// Reads a line from the terminal without echoing it (for passwords).

export class PromptCancelled extends Error {}

/** Asks on stderr (stdout carries only the result) and reads the answer from the TTY in raw mode. */
export function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) {
    throw new PromptCancelled('No terminal to ask for the password on: set ADMIN_PASSWORD');
  }
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(answer);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          // Ctrl-C, Ctrl-D: raw mode turns them into plain input, so they are handled here.
          finish();
          reject(new PromptCancelled('Cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('');
        else answer += char;
      }
    };
    stdin.on('data', onData);
  });
}
