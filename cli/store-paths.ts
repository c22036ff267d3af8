// Where `serve` keeps its DuckDB stores when no flag names them, and where the commands that read them look: the
// feedback file (`--feedback`, $ROLLOUTLAB_FEEDBACK, else data/feedback.duckdb in the repo), and the pipeline outcomes
// and decision log files beside it unless their own flag or variable names them.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The feedback file: the flag, else $ROLLOUTLAB_FEEDBACK, else data/feedback.duckdb in the repo. */
export function feedbackFile(flag?: string): string {
  return resolve(flag ?? (process.env.ROLLOUTLAB_FEEDBACK || resolve(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'feedback.duckdb')));
}

/** The pipeline outcomes file: the flag, else $ROLLOUTLAB_PIPELINE_OUTCOMES, else pipeline-outcomes.duckdb beside the feedback file. */
export function pipelineOutcomesFile(flag: string | undefined, feedback: string): string {
  return resolve(flag ?? (process.env.ROLLOUTLAB_PIPELINE_OUTCOMES || join(dirname(feedback), 'pipeline-outcomes.duckdb')));
}

/** The decision log: the flag, else $ROLLOUTLAB_DECISIONS, else decisions.duckdb beside the feedback file. */
export function decisionsFile(flag: string | undefined, feedback: string): string {
  return resolve(flag ?? (process.env.ROLLOUTLAB_DECISIONS || join(dirname(feedback), 'decisions.duckdb')));
}
