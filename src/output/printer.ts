import type { Redactor } from "../util/redact.ts";

/** Anything with `write(string)`: process streams in production, string buffers in tests. */
export interface TextSink {
  write(chunk: string): unknown;
  /** A terminal (process streams say so): a live line can be rewritten in place. */
  readonly isTTY?: boolean | undefined;
}

/**
 * The only way ci-mirror writes to the terminal or the job log: every line is redacted.
 */
export class Printer {
  readonly #out: TextSink;
  readonly #err: TextSink;
  readonly #redactor: Redactor;

  constructor(out: TextSink, err: TextSink, redactor: Redactor) {
    this.#out = out;
    this.#err = err;
    this.#redactor = redactor;
  }

  // A live line is on the terminal: it is cleared before anything else is written.
  #live = false;

  out(text: string): void {
    this.endLive();
    this.#out.write(`${this.#redactor.redact(text)}\n`);
  }

  err(text: string): void {
    this.endLive();
    this.#err.write(`${this.#redactor.redact(text)}\n`);
  }

  /** Whether stderr is a terminal, where `live` rewrites one line in place. */
  get canShowLive(): boolean {
    return this.#err.isTTY === true;
  }

  /** Show `text` on stderr's live line (a terminal only), replacing what was there. */
  live(text: string): void {
    // Carriage return, then erase to the end of the line.
    this.#err.write(`\r\u001b[K${this.#redactor.redact(text)}`);
    this.#live = true;
  }

  /** Clear the live line, if one is shown. */
  endLive(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#err.write("\r\u001b[K");
  }

  redact(text: string): string {
    return this.#redactor.redact(text);
  }
}
