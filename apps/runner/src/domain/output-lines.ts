/**
 * Splits a stream of text into lines, holding at most `maxLineChars` of any one line: the
 * rest of an overlong line is dropped and counted, so one endless line cannot fill the
 * heap.
 */
export class LineSplitter {
  private partial = '';
  private dropped = 0;

  constructor(private readonly maxLineChars: number) {}

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n', start); newline !== -1; newline = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
    this.append(chunk.slice(start));
    return lines;
  }

  /** The last line, if the stream did not end with a newline. */
  end(): string[] {
    return this.partial.length > 0 || this.dropped > 0 ? [this.take()] : [];
  }

  private append(text: string): void {
    const room = this.maxLineChars - this.partial.length;
    if (text.length <= room) {
      this.partial += text;
      return;
    }
    this.partial += text.slice(0, Math.max(0, room));
    this.dropped += text.length - Math.max(0, room);
  }

  private take(): string {
    let line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    if (this.dropped > 0) line += ` … [${this.dropped} more characters dropped]`;
    this.partial = '';
    this.dropped = 0;
    return line;
  }
}

/** The last `maxChars` characters of a stream of lines, whole lines where they fit. */
export class BoundedTail {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  push(line: string): void {
    const kept = line.length > this.maxChars ? line.slice(-this.maxChars) : line;
    this.lines.push(kept);
    this.chars += kept.length + 1;
    while (this.chars > this.maxChars && this.lines.length > 1) {
      this.chars -= (this.lines.shift() ?? '').length + 1;
    }
  }

  text(): string {
    return this.lines.join('\n');
  }
}
