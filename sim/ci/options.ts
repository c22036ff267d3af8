// Knobs of the CI failure world, with defaults. They live here rather than in the scenario schema, so existing
// scenarios and their digests are untouched; the scenario gives the calendar (start, days) and the services.

export interface CiWorldOptions {
  /** Mean pipelines per repository on a working day (each repository scales it by its own activity). */
  pipelinesPerRepoPerWorkday: number;
  /** Pipelines on a Saturday or Sunday, relative to a working day. */
  weekendFactor: number;
  /** Days to simulate (default: the scenario's). */
  days?: number;
  /** Outcomes kept in a failure's step and test history. */
  historyLength: number;
  /** Multiplies the frequency of every incident window (outages, DNS, rate limits, capacity, cluster, preemption). */
  incidentScale: number;
  /** Chance a push to a feature branch brings a new persistent fault (a push to main: a fifth of it). */
  persistentFaultRate: number;
}

export const DEFAULT_CI_OPTIONS: CiWorldOptions = {
  pipelinesPerRepoPerWorkday: 15,
  weekendFactor: 0.15,
  historyLength: 10,
  incidentScale: 1,
  persistentFaultRate: 0.11,
};

/** Incident windows per week (before `incidentScale`) and their length in minutes. */
export const INCIDENTS = {
  registryOutage: { perWeek: 2.5, minutes: [20, 90], severity: [0.5, 0.95] },
  dns: { perWeek: 1.2, minutes: [10, 60], severity: [0.4, 0.9] },
  networkDegradation: { perWeek: 1.5, minutes: [15, 60], severity: [0.15, 0.45] },
  rateLimit: { perWeek: 3, minutes: [10, 240], severity: [0.6, 1] },
  capacity: { perWeek: 2.5, minutes: [10, 90], severity: [0.3, 0.8] },
  cluster: { perWeek: 2, minutes: [5, 40], severity: [0.4, 0.9] },
  preemption: { perWeek: 2, minutes: [10, 40], severity: [0.08, 0.25] },
} as const;

/** Chance, per step attempt, of the memoryless transient hazards outside any incident. */
export const BACKGROUND = {
  registry5xx: 0.0015,
  rateLimit: 0.0003,
  networkTimeout: 0.002,
  tlsHandshake: 0.0007,
  dns: 0.0004,
  runnerLostHosted: 0.001,
  runnerLostSelfHosted: 0.0025,
  noRunner: 0.001,
  buildToolCrash: 0.003,
  expiredToken: 0.004,
  clusterApi: 0.006,
  aptLock: 0.006,
  gitIndexLock: 0.0015,
  cacheLock: 0.002,
} as const;

/** Per-repository windows per week: a corrupt cache, an outside job holding the deploy or migration lock. */
export const REPO_WINDOWS = {
  corruptCache: { perWeek: 0.15, medianMinutes: 150 },
  externalLock: { perWeek: 1.2, medianMinutes: 6 },
} as const;

/** Per-runner windows per day on self-hosted pools: a full disk until cleanup, a left-over process on a port. */
export const RUNNER_WINDOWS = {
  diskFull: { perDay: 0.03, minutes: [30, 300] },
  portInUse: { perDay: 0.5, medianMinutes: 12 },
} as const;

/** Per-repository states that break every pipeline started while they last (persistent for those pipelines). */
export const ENV_STATES = {
  staleLock: { perWeek: 0.2, minutes: [120, 1800] },
  permissionDenied: { perWeek: 0.1, minutes: [60, 1440] },
  missingSecret: { perWeek: 0.12, minutes: [60, 1440] },
  certInvalid: { perWeek: 0.08, minutes: [120, 1440] },
} as const;

/** Minutes between a failed attempt's end and the start of a retry (job set-up). */
export const RETRY_START_MIN = 0.5;
