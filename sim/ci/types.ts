// The vocabulary of the simulated CI/CD failure world: steps, ecosystems, CI systems, failure categories, the
// remediations a retry policy can name, the waits the truth is recorded for, and the shape of a failure kind.

export const CI_STEPS = [
  'checkout', 'install', 'lint', 'build', 'unit-tests', 'integration-tests', 'image-build', 'image-push', 'migrate', 'deploy',
] as const;
export type CiStep = (typeof CI_STEPS)[number];

/** The language tool chain of a repository: decides which package manager, compiler and test runner speak in its logs. */
export const ECOSYSTEMS = ['node', 'python', 'jvm', 'go', 'rust'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

export const CI_SYSTEMS = ['github-actions', 'gitlab', 'buildkite', 'jenkins'] as const;
export type CiSystem = (typeof CI_SYSTEMS)[number];

/**
 * Failure categories. Every category holds transient and persistent kinds that share words, so the category alone
 * never says whether a retry helps.
 */
export const CI_CATEGORIES = ['test', 'dependency', 'network', 'infra', 'lock', 'service', 'deploy', 'auth', 'code'] as const;
export type CiCategory = (typeof CI_CATEGORIES)[number];

export type CiDb = 'postgres' | 'mysql' | 'redis' | 'kafka';

/** Named remediations whose outcome the truth records, beside plain retries. */
export const REMEDIATIONS = ['clear-cache', 'other-runner', 'wait-for-lock'] as const;
export type Remediation = (typeof REMEDIATIONS)[number];

/** Waits (minutes after the failed attempt ended) for which the truth records whether a retry would pass; 0 = right away. */
export const RETRY_WAITS_MIN = [0, 2, 5, 10, 15, 30, 60, 120, 240] as const;

/** One message template: `{name}` placeholders are filled per failure (see params.ts); `\n` separates lines. */
export interface Template {
  text: string;
  /** Ecosystems whose tools print it (absent = any). */
  eco?: readonly Ecosystem[];
  /** Steps it belongs to (absent = any step of the kind). */
  steps?: readonly CiStep[];
  /** Package managers or build tools that print it (npm, yarn, pnpm, pip, poetry, maven, gradle; absent = any). */
  tool?: readonly string[];
  /** CI systems that print it (absent = any). */
  ci?: readonly CiSystem[];
  /** Service-container databases it talks about (absent = any). */
  db?: readonly CiDb[];
  /** Exit code the tool gives with this message (absent = one of the kind's). */
  exit?: number;
  /** The CI system's own message (runner lost, no runner): no "process exited" footer follows. */
  system?: boolean;
  /** How often it is chosen among the templates that fit, relative to 1 (a rarer wording below 1). */
  weight?: number;
}

export interface FailureKind {
  id: string;
  category: CiCategory;
  /** Truth: a rerun of the same pipeline can pass (after a wait or a remediation) without any change. */
  transient: boolean;
  steps: readonly CiStep[];
  /** Exit codes of templates that do not name their own. */
  exitCodes: readonly number[];
  /** One line for the documentation. */
  summary: string;
  /** The cause and what fixes it, filled like a template: the one-line hint a policy should give. */
  hint: string;
  /** The named remediation that clears it when a plain retry does not. */
  remediation?: Remediation;
  templates: readonly Template[];
}
