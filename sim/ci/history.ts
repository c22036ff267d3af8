// The recent history a failure carries: the last outcomes of its step in its repository (and on its branch), and
// the last outcomes of the failing test over the suite's recent runs.

export type CiOutcome = 'pass' | 'fail';

export interface CiHistoryView {
  /** Last outcomes of this step in this repository, oldest first (every attempt counts). */
  step: CiOutcome[];
  /** The same on this branch only. */
  branchStep: CiOutcome[];
  /** Last outcomes of the failing test over the suite's runs, oldest first; null when no test failed. */
  test: CiOutcome[] | null;
}

interface Suite {
  runs: number;
  fails: Map<string, number[]>;
}

export class CiHistory {
  private steps = new Map<string, CiOutcome[]>();
  private suites = new Map<string, Suite>();

  constructor(private readonly n: number) {}

  private last(key: string): CiOutcome[] {
    const xs = this.steps.get(key);
    return xs ? xs.slice(-this.n) : [];
  }

  view(repo: string, branch: string, step: string, test: string | null): CiHistoryView {
    let testView: CiOutcome[] | null = null;
    if (test !== null) {
      const s = this.suites.get(`${repo}|${step}`);
      const runs = s?.runs ?? 0;
      const fails = new Set(s?.fails.get(test) ?? []);
      testView = [];
      for (let k = Math.max(0, runs - this.n); k < runs; k++) testView.push(fails.has(k) ? 'fail' : 'pass');
    }
    return { step: this.last(`${repo}|${step}`), branchStep: this.last(`${repo}|${branch}|${step}`), test: testView };
  }

  recordStep(repo: string, branch: string, step: string, outcome: CiOutcome): void {
    for (const key of [`${repo}|${step}`, `${repo}|${branch}|${step}`]) {
      let xs = this.steps.get(key);
      if (!xs) this.steps.set(key, (xs = []));
      xs.push(outcome);
      if (xs.length > 4 * this.n) xs.splice(0, xs.length - this.n);
    }
  }

  /** One run of a suite that ran to the end, with the tests that failed in it. */
  recordSuite(repo: string, step: string, failed: readonly string[]): void {
    const key = `${repo}|${step}`;
    let s = this.suites.get(key);
    if (!s) this.suites.set(key, (s = { runs: 0, fails: new Map() }));
    for (const t of failed) {
      let xs = s.fails.get(t);
      if (!xs) s.fails.set(t, (xs = []));
      xs.push(s.runs);
    }
    s.runs++;
  }
}
