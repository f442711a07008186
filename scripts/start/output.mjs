// How `npm start` talks: its own lines prefixed "[start]", each child's lines prefixed
// with the child's name (coloured when stdout is a terminal).
const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;
const COLOURS = [36, 35, 33, 32, 34, 91, 96];
let nextColour = 0;

export function say(message) {
  process.stdout.write(`[start] ${message}\n`);
}

export function warn(message) {
  process.stdout.write(`[start] ${tty ? '\u001b[33m' : ''}${message}${tty ? '\u001b[0m' : ''}\n`);
}

/** Copies a child's stdout and stderr to ours, line by line, behind `name | `. */
export function prefixLines(name, child) {
  const colour = COLOURS[nextColour++ % COLOURS.length];
  const label = name.padEnd(12);
  const prefix = tty ? `\u001b[${colour}m${label}\u001b[0m| ` : `${label}| `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
    stream.on('end', () => buffered && process.stdout.write(prefix + buffered + '\n'));
  }
}

/** A URL with its password replaced by ***, for printing. */
export function redactUrl(url) {
  return url.replace(/(\/\/[^/:@]+:)[^@/]*@/, '$1***@');
}

/** Prints `message` and throws the error that makes `npm start` stop everything it started and exit 1. */
export function fail(message) {
  warn(message);
  const error = new Error(message);
  error.name = 'StartError';
  throw error;
}
