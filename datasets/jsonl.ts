// JSON Lines input (one JSON object per line) read with one set of rules, so every JSONL reader refuses bad input the
// same way: blank lines are skipped, a line that is not JSON is BAD_DATA naming `<file>: line <n>`, and a bad value
// on a line is the line parser's error with the file in front.
import { RolloutlabError } from '../lib/errors.ts';

/**
 * One value per non-blank line of `text`, in order: `parseLine` gets the parsed JSON and `line <n>` to name it in its
 * errors (RolloutlabError; any other error passes through unchanged).
 */
export function parseJsonLines<T>(text: string, file: string, parseLine: (x: unknown, where: string) => T): T[] {
  const out: T[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${i + 1}`;
    let x: unknown;
    try {
      x = JSON.parse(line);
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', `${file}: ${where}: not JSON (${(e as Error).message})`, where);
    }
    try {
      out.push(parseLine(x, where));
    } catch (e) {
      if (e instanceof RolloutlabError) throw new RolloutlabError(e.code, `${file}: ${e.message}`, e.field);
      throw e;
    }
  });
  return out;
}
