/**
 * Quote a word for a POSIX shell line. Plain words (paths, URLs, names) stay as they are, so a job
 * log or a `GIT_SSH_COMMAND` reads easily; anything else goes in single quotes, which the shell
 * takes literally, with each `'` written as `'\''`.
 */
export function shellQuote(word: string): string {
  if (/^[\w./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
