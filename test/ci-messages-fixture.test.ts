// The held-out CI error messages (test/fixtures/ci-messages/messages.jsonl) stay a usable check of the retry model:
// every line parses with the documented fields and types, ids are unique, both labels and every category are there in
// useful numbers, and the ambiguous words appear on both sides so that keyword matching alone cannot score well.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(import.meta.dirname, 'fixtures', 'ci-messages', 'messages.jsonl');

interface CiMessage {
  id: string;
  source: string;
  step: string;
  exitCode: number;
  log: string;
  retry: boolean;
  category: string;
  why: string;
}

const FIELDS = ['id', 'source', 'step', 'exitCode', 'log', 'retry', 'category', 'why'];
const AMBIGUOUS = ['timeout', 'refused', '404', 'killed', 'denied', 'lock', '403'];

const lines = readFileSync(FILE, 'utf8').split('\n').filter((l) => l.trim() !== '');
const messages: CiMessage[] = lines.map((l) => JSON.parse(l));

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
}

describe('held-out CI messages fixture', () => {
  it('has at least 200 lines, each one JSON object with exactly the documented fields and types', () => {
    expect(messages.length).toBeGreaterThanOrEqual(200);
    const bad = messages.filter((m) => {
      const logLines = typeof m.log === 'string' ? m.log.split('\n').length : 0;
      return (
        Object.keys(m).sort().join() !== [...FIELDS].sort().join() ||
        typeof m.id !== 'string' || m.id === '' ||
        typeof m.source !== 'string' || m.source === '' ||
        typeof m.step !== 'string' || m.step === '' ||
        !Number.isInteger(m.exitCode) ||
        logLines < 3 || logLines > 40 ||
        typeof m.retry !== 'boolean' ||
        typeof m.category !== 'string' || !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(m.category) ||
        typeof m.why !== 'string' || m.why === '' || m.why.includes('\n')
      );
    });
    expect(bad.map((m) => m.id ?? JSON.stringify(m).slice(0, 80))).toEqual([]);
  });

  it('has unique ids', () => {
    const dup = [...countBy(messages, (m) => m.id)].filter(([, n]) => n > 1).map(([id]) => id);
    expect(dup).toEqual([]);
  });

  it('has both labels, a retry share between 35 % and 60 %, and at least 6 messages per category', () => {
    const retry = messages.filter((m) => m.retry).length;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThan(messages.length);
    expect(retry / messages.length).toBeGreaterThanOrEqual(0.35);
    expect(retry / messages.length).toBeLessThanOrEqual(0.6);
    const small = [...countBy(messages, (m) => m.category)].filter(([, n]) => n < 6);
    expect(small).toEqual([]);
  });

  it('gives every category one label, as the README table says', () => {
    const labels = countBy(messages, (m) => `${m.category}:${m.retry}`);
    const mixed = [...countBy([...labels.keys()], (k) => k.split(':')[0])].filter(([, n]) => n > 1).map(([c]) => c);
    expect(mixed).toEqual([]);
  });

  it.each(AMBIGUOUS)('has "%s" in the log of both a retry and a non-retry message', (word) => {
    const has = (m: CiMessage) => m.log.toLowerCase().includes(word);
    expect(messages.some((m) => m.retry && has(m))).toBe(true);
    expect(messages.some((m) => !m.retry && has(m))).toBe(true);
  });
});
