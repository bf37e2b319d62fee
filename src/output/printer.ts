import type { Redactor } from "./redact.ts";

/** Anything with `write(string)`: process streams in production, string buffers in tests. */
export interface TextSink {
  write(chunk: string): unknown;
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

  out(text: string): void {
    this.#out.write(`${this.#redactor.redact(text)}\n`);
  }

  err(text: string): void {
    this.#err.write(`${this.#redactor.redact(text)}\n`);
  }

  redact(text: string): string {
    return this.#redactor.redact(text);
  }
}
