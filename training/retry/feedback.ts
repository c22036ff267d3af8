// Recorded retry outcomes for `rolloutlab train retry --with-feedback <source>`: a JSON Lines file (the wrapper's
// --record file, or an export of GET /v1/pipeline/outcome). The server's store and URL are read by the same function
// once the outcome route is there.
import { readFile } from 'node:fs/promises';
import { RolloutlabError } from '../../lib/errors.ts';
import { parseRetryOutcomesJsonl, type RetryOutcomeRecord } from '../../datasets/retry-outcome.ts';

export async function readRetryOutcomes(source: string, _o: { token?: string; fetch?: typeof fetch } = {}): Promise<RetryOutcomeRecord[]> {
  const text = await readFile(source, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new RolloutlabError('NOT_FOUND', `--with-feedback ${source}: cannot read (${e.code ?? e.message})`, 'with-feedback');
  });
  return parseRetryOutcomesJsonl(text, source);
}
