// The simulated CI/CD failure world (sim/ci/): a catalogue whose transient and persistent kinds share their words,
// a world that is deterministic per seed and shows every kind, truth that agrees with what the world did next,
// log tails with the error near the end, no single keyword that tells a retryable failure from a lasting one, and
// a default world that is fast.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../sim/load-scenario.ts';
import { generateTopology } from '../sim/topology.ts';
import { Rng } from '../lib/rng.ts';
import {
  simulateCiFailures,
  CI_FAILURE_KINDS,
  CI_CATEGORIES,
  RETRY_WAITS_MIN,
  REMEDIATIONS,
  ciKind,
  type CiWorld,
  type CiFailure,
} from '../sim/ci/index.ts';
import { makePools, makeRepos } from '../sim/ci/repos.ts';
import { ParamBag, fillTemplate } from '../sim/ci/params.ts';

const scenario = loadScenario('default');
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[mK]/g, '');
const errorText = (f: CiFailure) => strip(f.log.split('\n').slice(f.errorSpan[0], f.errorSpan[1] + 1).join('\n')).toLowerCase();
const kindsWith = (phrase: string, transient: boolean) =>
  CI_FAILURE_KINDS.filter((k) => k.transient === transient && k.templates.some((t) => t.text.toLowerCase().includes(phrase))).map((k) => k.id);

let world: CiWorld;
let elapsedMs = 0;
beforeAll(() => {
  // CPU time of this process, not the wall clock: other jobs on the machine do not inflate it.
  const c0 = process.cpuUsage();
  world = simulateCiFailures(scenario, 1);
  const c = process.cpuUsage(c0);
  elapsedMs = (c.user + c.system) / 1000;
});

describe('catalogue', () => {
  it('has many kinds, each with many message templates, and both classes in every category', () => {
    expect(CI_FAILURE_KINDS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CI_FAILURE_KINDS.map((k) => k.id)).size).toBe(CI_FAILURE_KINDS.length);
    for (const k of CI_FAILURE_KINDS) {
      expect(k.templates.length, k.id).toBeGreaterThanOrEqual(8);
      for (const s of k.steps) expect(k.templates.some((t) => !t.steps || t.steps.includes(s)), `${k.id} in ${s}`).toBe(true);
    }
    for (const c of CI_CATEGORIES) {
      const ks = CI_FAILURE_KINDS.filter((k) => k.category === c);
      expect(ks.some((k) => k.transient), `${c} has a transient kind`).toBe(true);
      expect(ks.some((k) => !k.transient), `${c} has a persistent kind`).toBe(true);
    }
  });

  it('docs/ci-failures.md lists every kind', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'ci-failures.md'), 'utf8');
    for (const k of CI_FAILURE_KINDS) expect(doc, k.id).toContain(`| ${k.category} | \`${k.id}\` | ${k.transient ? 'transient' : 'persistent'} |`);
  });

  it('has the kinds the retry policy must tell apart', () => {
    const ids = new Set(CI_FAILURE_KINDS.map((k) => k.id));
    for (const id of [
      'flaky-test', 'registry-5xx', 'registry-rate-limit', 'network-timeout', 'dns-failure', 'tls-handshake-timeout', 'runner-lost', 'no-runner',
      'lock-contention', 'service-not-ready', 'port-in-use', 'corrupt-cache', 'disk-full',
      'compile-error', 'test-failure', 'lint-gate', 'bad-manifest', 'missing-secret', 'permission-denied', 'dependency-missing', 'merge-conflict',
      'misconfigured-port', 'build-oom',
    ]) expect(ids.has(id), id).toBe(true);
    expect(ciKind('corrupt-cache').remediation).toBe('clear-cache');
    expect(ciKind('disk-full').remediation).toBe('other-runner');
    expect(ciKind('lock-contention').remediation).toBe('wait-for-lock');
  });

  it('every template fills completely for a repository of its tool chain', () => {
    const topo = generateTopology(scenario, new Rng(1, 'topology'));
    const rng = new Rng(7, 'test');
    const repos = makeRepos(rng, topo.services, makePools(rng));
    let n = 0;
    for (const k of CI_FAILURE_KINDS) {
      for (const t of k.templates) {
        const repo = repos.find((r) => (!t.eco || t.eco.includes(r.ecosystem)) && (!t.tool || t.tool.some((x) => r.tools.includes(x)))) ?? repos[0];
        for (let i = 0; i < 4; i++) {
          const bag = new ParamBag({ rng, repo, step: t.steps?.[0] ?? k.steps[0], atMs: Date.UTC(2026, 2, 2) }, { runner: repo.pool.runners[0], branch: 'main' });
          const text = fillTemplate(t.text, bag);
          expect(text, `${k.id}: ${t.text.slice(0, 60)}`).not.toMatch(/\{[a-z][a-z0-9]*\}|\{=/);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('transient and persistent neighbours of a category print the same words', () => {
    // [transient kind, persistent kind, words both print]
    const pairs: [string, string, string][] = [
      ['flaky-test', 'test-failure', 'exceeded timeout of'],
      ['flaky-test', 'test-failure', 'timed out'],
      ['registry-5xx', 'dependency-missing', 'could not resolve dependencies'],
      ['registry-5xx', 'dependency-missing', '404 not found'],
      ['dns-failure', 'dependency-missing', 'no matching distribution found'],
      ['dns-failure', 'bad-hostname', 'no such host'],
      ['tls-handshake-timeout', 'tls-cert-invalid', 'certificate has expired or is not yet valid'],
      ['runner-lost', 'build-oom', 'killed'],
      ['runner-lost', 'build-oom', 'exit code 137'],
      ['lock-contention', 'stale-lock', 'another operation (install/upgrade/rollback) is in progress'],
      ['lock-contention', 'stale-lock', 'error acquiring the state lock'],
      ['service-not-ready', 'misconfigured-port', 'connection refused'],
      ['service-not-ready', 'misconfigured-port', "couldn't connect to server"],
      ['cluster-api-error', 'misconfigured-port', 'was refused - did you specify the right host or port?'],
      ['expired-token', 'missing-secret', 'unauthorized: authentication required'],
      ['expired-token', 'permission-denied', 'permission denied'],
      ['corrupt-cache', 'lockfile-out-of-sync', 'checksum mismatch'],
      ['build-tool-crash', 'build-oom', 'gradle build daemon disappeared unexpectedly'],
      ['build-tool-crash', 'lint-gate', 'could not compile'],
    ];
    for (const [t, p, words] of pairs) {
      expect(ciKind(t).transient, t).toBe(true);
      expect(ciKind(p).transient, p).toBe(false);
      expect(kindsWith(words, true), `"${words}" in ${t}`).toContain(t);
      expect(kindsWith(words, false), `"${words}" in ${p}`).toContain(p);
    }
    const covered = new Set(pairs.flatMap(([t]) => [ciKind(t).category]));
    expect([...covered].sort()).toEqual([...CI_CATEGORIES].sort());
  });

  it('no keyword belongs to one side: each is printed by transient and by persistent kinds', () => {
    for (const kw of ['timeout', 'timed out', 'refused', '404', '403', '401', 'killed', 'denied', 'permission denied', 'lock', 'not found', 'could not resolve', 'unauthorized', 'no such host', 'out of memory', 'certificate', 'connection reset', '503 service unavailable']) {
      expect(kindsWith(kw, true).length, `"${kw}" in a transient kind`).toBeGreaterThan(0);
      expect(kindsWith(kw, false).length, `"${kw}" in a persistent kind`).toBeGreaterThan(0);
    }
    const exits = (transient: boolean) => new Set(CI_FAILURE_KINDS.filter((k) => k.transient === transient).flatMap((k) => [...k.exitCodes, ...k.templates.flatMap((t) => (t.exit === undefined ? [] : [t.exit]))]));
    for (const code of [1, 2, 100, 101, 124, 125, 126, 127, 128, 137, 139, 143, 254, 255]) {
      expect(exits(true).has(code), `exit ${code} transient`).toBe(true);
      expect(exits(false).has(code), `exit ${code} persistent`).toBe(true);
    }
  });
});

describe('the default world', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const again = simulateCiFailures(scenario, 1);
    expect(JSON.stringify(again.failures)).toBe(JSON.stringify(world.failures));
    const other = simulateCiFailures(scenario, 2);
    expect(other.failures.length).not.toBe(world.failures.length);
    expect(other.failures[0].log).not.toBe(world.failures[0].log);
  });

  it('makes a few thousand failed attempts quickly, with every kind', () => {
    expect(world.failures.length).toBeGreaterThan(1500);
    expect(world.failures.length).toBeLessThan(8000);
    expect(world.pipelines).toBeGreaterThan(2000);
    const kinds = new Set(world.failures.map((f) => f.truth.kind));
    expect([...kinds].sort()).toEqual(CI_FAILURE_KINDS.map((k) => k.id).sort());
    // Both classes in quantity.
    const transient = world.failures.filter((f) => f.truth.transient).length;
    expect(transient / world.failures.length).toBeGreaterThan(0.3);
    expect(transient / world.failures.length).toBeLessThan(0.7);
    // About 1 CPU second on this 2-core machine.
    expect(elapsedMs).toBeLessThan(6000);
  });

  it('has outages that fail many pipelines at once', () => {
    const outages = world.incidents.filter((w) => w.kind === 'registry-5xx' || w.kind === 'dns-failure' || w.kind === 'registry-rate-limit');
    expect(outages.length).toBeGreaterThan(3);
    const inside = outages.map((w) => new Set(world.failures.filter((f) => f.truth.cause === w.id).map((f) => f.pipelineId)).size);
    expect(Math.max(...inside)).toBeGreaterThanOrEqual(3);
  });

  it('log tails are 10-60 lines with the error near the end', () => {
    const styles = { stamped: 0, ansi: 0, footer: 0 };
    for (const f of world.failures) {
      const lines = f.log.split('\n');
      expect(lines.length, f.id).toBeGreaterThanOrEqual(10);
      expect(lines.length, f.id).toBeLessThanOrEqual(60);
      const [a, b] = f.errorSpan;
      expect(a, f.id).toBeGreaterThanOrEqual(3);
      expect(b, f.id).toBeGreaterThanOrEqual(a);
      // After the error: at most the tool's wrap-up (7 lines) and the CI system's footer (6).
      expect(lines.length - 1 - b, f.id).toBeLessThanOrEqual(13);
      expect(errorText(f).trim().length, f.id).toBeGreaterThan(5);
      if (/^(\d{4}-\d\d-\d\dT|\[\d{4}-|\d\d:\d\d:\d\d )/.test(lines[0])) styles.stamped++;
      if (f.log.includes('\x1b[')) styles.ansi++;
      if (/Process completed with exit code|ERROR: Job failed|🚨 Error: The command exited|script returned exit code/.test(lines.slice(b + 1).join('\n'))) styles.footer++;
    }
    for (const [k, n] of Object.entries(styles)) expect(n, k).toBeGreaterThan(world.failures.length * 0.1);
    expect(new Set(world.failures.map((f) => f.ci)).size).toBe(4);
    expect(new Set(world.failures.map((f) => f.ecosystem)).size).toBe(5);
  });

  it('history: the last outcomes of the step, and of the failing test', () => {
    for (const f of world.failures) {
      expect(f.history.step.length).toBeLessThanOrEqual(world.options.historyLength);
      expect(f.history.branchStep.length).toBeLessThanOrEqual(world.options.historyLength);
      expect(f.history.test === null, f.id).toBe(f.test === null);
    }
    // A flaky test has failed before; a deterministic failure usually had a clean history until this commit.
    const failedBefore = (kind: string) => {
      const fs = world.failures.filter((f) => f.truth.kind === kind && f.attempt === 1 && f.history.test && f.history.test.length >= 5);
      return fs.filter((f) => f.history.test!.includes('fail')).length / fs.length;
    };
    expect(failedBefore('flaky-test')).toBeGreaterThan(failedBefore('test-failure'));
  });
});

describe('truth', () => {
  it('agrees with what the world did next', () => {
    const byId = new Map(world.failures.map((f) => [f.id, f]));
    let checked = 0;
    for (const f of world.failures) {
      expect(f.truth.retryNow).toEqual(f.truth.afterWait[0]);
      expect(f.truth.afterWait.map((o) => o.waitMin)).toEqual([...RETRY_WAITS_MIN]);
      const next = byId.get(`${f.pipelineId}/${f.step}/${f.attempt + 1}`);
      if (f.next.action === 'none') {
        expect(next, f.id).toBeUndefined();
        continue;
      }
      checked++;
      const option = f.truth.afterWait[RETRY_WAITS_MIN.indexOf(f.next.waitMin as (typeof RETRY_WAITS_MIN)[number])];
      expect(f.next.passed, f.id).toBe(option.succeeds);
      if (f.next.passed) expect(next, f.id).toBeUndefined();
      else expect(next!.startedAtMin, f.id).toBeCloseTo(f.endedAtMin + 0.5 + f.next.waitMin!, 1);
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('a persistent failure never passes on a retry, whatever the wait or remediation', () => {
    const persistent = world.failures.filter((f) => !f.truth.transient);
    expect(persistent.length).toBeGreaterThan(300);
    for (const f of persistent) {
      expect(f.truth.clearsInMin, f.id).toBeNull();
      for (const o of [...f.truth.afterWait, ...Object.values(f.truth.remediation)]) {
        expect(o.p, f.id).toBe(0);
        expect(o.causeP, f.id).toBe(1);
        expect(o.succeeds, f.id).toBe(false);
      }
    }
  });

  it('a transient failure clears: once its window has passed its cause is gone and a retry mostly passes', () => {
    const windowed = world.failures.filter((f) => f.truth.transient && !/^(chance|flaky|fault):/.test(f.truth.cause));
    expect(windowed.length).toBeGreaterThan(100);
    let after = 0;
    let passed = 0;
    for (const f of windowed) {
      expect(f.truth.clearsInMin, f.id).not.toBeNull();
      for (const o of f.truth.afterWait) {
        if (o.waitMin + 0.5 <= f.truth.clearsInMin! - 0.01 && ciKind(f.truth.kind).remediation !== 'other-runner') expect(o.causeP, `${f.id} before`).toBeGreaterThan(0);
        if (o.waitMin + 0.5 < f.truth.clearsInMin! + 0.01) continue;
        expect(o.causeP, `${f.id} after ${o.waitMin}`).toBe(0);
        after++;
        if (o.succeeds) passed++;
      }
    }
    expect(passed / after).toBeGreaterThan(0.85);
    // Chances that do not last (a flake, a blip) pass right away more often than not.
    const chance = world.failures.filter((f) => f.truth.transient && /^(chance|flaky):/.test(f.truth.cause));
    expect(chance.every((f) => f.truth.clearsInMin === 0 && f.truth.retryNow.causeP < 1)).toBe(true);
    expect(chance.filter((f) => f.truth.retryNow.succeeds).length / chance.length).toBeGreaterThan(0.6);
  });

  it('the named remediation is what clears a corrupt cache, a full disk and a held lock', () => {
    const rate = (kind: string, pick: (f: CiFailure) => boolean) => {
      const fs = world.failures.filter((f) => f.truth.kind === kind && !f.truth.cause.startsWith('chance:'));
      expect(fs.length, kind).toBeGreaterThan(5);
      return fs.filter(pick).length / fs.length;
    };
    expect(rate('corrupt-cache', (f) => f.truth.remediation['clear-cache'].succeeds)).toBeGreaterThan(0.8);
    expect(rate('corrupt-cache', (f) => f.truth.retryNow.succeeds)).toBeLessThan(0.2);
    expect(rate('disk-full', (f) => f.truth.remediation['other-runner'].succeeds)).toBeGreaterThan(rate('disk-full', (f) => f.truth.retryNow.succeeds));
    expect(rate('lock-contention', (f) => f.truth.remediation['wait-for-lock'].succeeds)).toBeGreaterThan(rate('lock-contention', (f) => f.truth.retryNow.succeeds));
    for (const f of world.failures) for (const r of REMEDIATIONS) expect(f.truth.remediation[r].p).toBeGreaterThanOrEqual(0);
  });
});

describe('no single keyword separates transient from persistent failures', () => {
  it('the same words appear in error lines of both classes', () => {
    const other = simulateCiFailures(scenario, 2);
    const failures = [...world.failures, ...other.failures];
    for (const kw of ['time', 'refused', 'killed', 'denied', 'lock', 'not found', 'could not resolve', '404 not found', 'connection reset', 'certificate', 'permission denied']) {
      const sides = new Set(failures.filter((f) => errorText(f).includes(kw)).map((f) => f.truth.transient));
      expect([...sides].sort(), `"${kw}"`).toEqual([false, true]);
    }
  });

  it('the best single word of the error lines is a weak classifier', () => {
    const docs = world.failures.map((f) => ({ y: f.truth.transient, words: new Set(errorText(f).split(/[^a-z0-9_]+/).filter((w) => w.length > 1)) }));
    const nT = docs.filter((d) => d.y).length;
    const nP = docs.length - nT;
    const counts = new Map<string, [number, number]>();
    for (const d of docs) {
      for (const w of d.words) {
        const c = counts.get(w) ?? [0, 0];
        c[d.y ? 0 : 1]++;
        counts.set(w, c);
      }
    }
    // Balanced accuracy of "has the word → transient" (or → persistent), the better of the two.
    let best = 0;
    for (const [, [t, p]] of counts) best = Math.max(best, 0.5 + Math.abs(t / nT - p / nP) / 2);
    expect(best).toBeLessThan(0.7);
  });
});
