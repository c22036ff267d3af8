// What CI systems do today when a step fails, as retry policies (policies/retry/decision.ts), the peers the learned
// policy is measured against. Each is the documented behaviour of a common setting, with a small fixed attempt cap:
//
// - `never`: no automatic retry (the default of most CI systems).
// - `always-2`: retry every failure, at most twice (GitLab `retry: 2`, GitHub's retry actions with 3 attempts).
// - `exit-status`: retry on the exit statuses of lost or killed agents, at most twice (Buildkite
//   `retry.automatic` with `exit_status` -1, 137, 143 and 255).
// - `reasons`: retry, at most twice, when the log shows an infrastructure reason — runner / system failure, a stuck job
//   or timeout, an API failure (GitLab `retry:when: runner_system_failure, stuck_or_timeout_failure, api_failure,
//   scheduler_failure`) — or matches one of the log patterns teams write by hand (Jenkins Naginator-style regexes for
//   registry 5xx and rate limits, connection resets, DNS failures, lock files). The patterns are written from public
//   knowledge of how these tools word their errors.
import type { FailedStep } from '../../datasets/failed-step.ts';
import { fail, retry, type RetryDecision, type RetryPolicy } from './decision.ts';

/** Retries these baselines allow per step (attempt 1 is the first run: attempts 2 and 3 are the two retries). */
export const BASELINE_MAX_RETRIES = 2;

const capped = (s: FailedStep): RetryDecision | null => (s.attempt > BASELINE_MAX_RETRIES ? fail('unknown', [`attempt ${s.attempt}: the ${BASELINE_MAX_RETRIES} retries are spent`]) : null);

export const neverRetry: RetryPolicy = {
  name: 'never',
  description: 'no automatic retry',
  decide: () => fail('unknown', ['no automatic retry']),
};

export const alwaysTwice: RetryPolicy = {
  name: 'always-2',
  description: `retry every failure, at most ${BASELINE_MAX_RETRIES} times (retry: 2)`,
  decide: (s) => capped(s) ?? retry('unknown', [`retry ${s.attempt} of ${BASELINE_MAX_RETRIES}: every failure is retried`]),
};

/** The exit statuses `exit-status` retries: the agent was lost (-1, 255) or the job was killed or terminated (137, 143). */
export const RETRY_EXIT_STATUSES: ReadonlyMap<number, string> = new Map([
  [-1, 'agent lost'],
  [255, 'agent or ssh connection lost'],
  [137, 'killed (SIGKILL)'],
  [143, 'terminated (SIGTERM)'],
]);

export const exitStatusRetry: RetryPolicy = {
  name: 'exit-status',
  description: `retry exit statuses ${[...RETRY_EXIT_STATUSES.keys()].join(', ')}, at most ${BASELINE_MAX_RETRIES} times (retry.automatic.exit_status)`,
  decide(s) {
    const why = RETRY_EXIT_STATUSES.get(s.exitCode);
    if (!why) return fail('script_failure', [`exit status ${s.exitCode} is not retried`]);
    return capped(s) ?? retry('runner_system_failure', [`exit status ${s.exitCode} (${why}) is retried`]);
  },
};

/** A failure reason read from the log, as a CI system or a hand-written pattern names it. */
interface ReasonRule {
  reason: string;
  pattern: RegExp;
}

/** The infrastructure reasons `reasons` retries, each with the log patterns that show it. */
export const REASON_RULES: readonly ReasonRule[] = [
  { reason: 'runner_system_failure', pattern: /runner system failure|lost communication with the (?:server|agent)|agent (?:was )?lost|the runner has received a shutdown signal|pod (?:was )?evicted|no space left on device/i },
  { reason: 'stuck_or_timeout_failure', pattern: /job (?:is )?stuck|execution took longer than|job timed out|timed out waiting for (?:a )?runner/i },
  { reason: 'api_failure', pattern: /\b(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)\b|received unexpected HTTP status: 5\d\d|\b429 Too Many Requests\b|toomanyrequests|rate limit(?:ed| exceeded)/i },
  { reason: 'scheduler_failure', pattern: /no runner (?:is )?available|runner pool exhausted|waiting for a runner|quota exceeded/i },
  { reason: 'network_failure', pattern: /connection reset by peer|ECONNRESET|ETIMEDOUT|socket hang up|i\/o timeout|TLS handshake timeout|Temporary failure in name resolution|Could not resolve host|getaddrinfo (?:EAI_AGAIN|ENOTFOUND)|network is unreachable/i },
  { reason: 'lock_contention', pattern: /Could not get lock|Unable to acquire the dpkg|Error acquiring the state lock|another operation \(install\/upgrade\/rollback\) is in progress|index\.lock': File exists/i },
];

export const reasonsRetry: RetryPolicy = {
  name: 'reasons',
  description: `retry infrastructure reasons and known transient log patterns (retry:when + Naginator-style regexes), at most ${BASELINE_MAX_RETRIES} times`,
  decide(s) {
    const hit = REASON_RULES.find((r) => r.pattern.test(s.log));
    if (!hit) return fail('script_failure', ['no retryable reason in the log']);
    return capped(s) ?? retry(hit.reason, [`${hit.reason}: the log matches ${hit.pattern.source.slice(0, 60)}…`]);
  },
};

/** The baselines by name, in the order reports list them. */
export const RETRY_BASELINES: readonly RetryPolicy[] = [neverRetry, alwaysTwice, exitStatusRetry, reasonsRetry];
