// `cad-ose`: a faithful port of CAD OSE (Contextual Anomaly Detector, Open Source Edition, by Mikhail Smirnov), as
// NAB runs it (its `contextOSE` detector: nab/detectors/context_ose/). Unlike `cad` (detectors/cad.ts, our own
// online variant), it takes what NAB hands every detector: the file's minimum and maximum value and a rest period
// derived from the file length (probationary period / 5). It reproduces NAB's published per-row contextOSE scores
// on the NAB files held here (docs/anomaly.md, "The `cad-ose` detector"). It is not causal and not bounded: the
// context memory grows without limit, so it is a benchmark reference, never served.
//
// Per value:
// 1. Level n = trunc((x - minValue) / step), step = (maxValue - minValue) / (2^bits - 1) (a zero range counts as
//    2^bits - 1, i.e. step 1). The sensory facts are the characters of n written in binary the way the original
//    builds them from Python's bin(): the "0b" prefix and leading zeros stripped, padded on the left with zeros to
//    `bits` characters; read from the right, character k is the fact 2k + (1 if it is "1"). (A value outside
//    [minValue, maxValue] therefore gives more facts, or for a negative level the characters "-", "b", "0".)
// 2. One step of the context memory (below), giving the share of selected contexts that are active and the share of
//    proposed contexts that were really new; raw = (1 - active share + new share) / 2.
// 3. Output: raw, reported only if every raw value of the previous trunc(restPeriod) rows (the history starts
//    with one 1.0) was below `baseThreshold`; else 0.
//
// The context memory (as the original's context operator): a context is a pair (left semi-context: facts of the
// previous step = its sensory facts and its "neurons", i.e. 2^31 + the ids of its most activated active contexts;
// right semi-context: this step's sensory facts). Semi-contexts are stored once per side, keyed by the hash of
// their fact tuple; each left semi-context maps right semi-context ids to context ids.
//
// What makes it row-for-row faithful, beyond the algorithm:
// - Ties: the `maxActive` neurons are the active contexts with the largest (activations, left hash, right hash),
//   where the hashes are CPython 2.7's 64-bit tuple hashes of the fact tuples (NAB's results were computed under
//   Python 2.7). `py2TupleHash` computes them exactly (BigInt), and semi-contexts are keyed by them, as there.
// - Order: the contexts proposed at a step get ids in the order the original visits them, which for one left
//   semi-context is the iteration order of a CPython 2.7 dict with small-integer keys; `Py2IntDict` reproduces
//   that table (open addressing, perturbed probing, growth to 4 x used when two thirds full).
// - The original compares context ids with `False` when no zero-level context was new; as False == 0 in Python,
//   context 0 is then skipped. Kept.
import { RolloutlabError } from '../lib/errors.ts';
import { nabValueRange, pandasLegacyValue } from './pandas-float.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorState } from './types.ts';

export interface CadOseOptions {
  /** The file's minimum and maximum (NAB hands them to every detector); the bench sets them per file. */
  minValue: number;
  maxValue: number;
  /** Rows after a raw score >= baseThreshold during which 0 is returned (NAB: probationary period / 5). */
  restPeriod: number;
  baseThreshold: number;
  /** Longest left part of a proposed context. */
  maxLeft: number;
  /** Active contexts that become neurons (facts of the next step's left part). */
  maxActive: number;
  /** Bits per level (2^bits - 1 steps over [minValue, maxValue]). */
  bits: number;
  /** 1: read each value as NAB's pandas did (detectors/pandas-float.ts); the bench sets it with the file's min/max. */
  legacyParse: number;
}

/** The original class's defaults; NAB's contextOSE overrides minValue, maxValue and restPeriod per file. */
export const CAD_OSE_DEFAULTS: Readonly<CadOseOptions> = Object.freeze({
  minValue: 0,
  maxValue: 0,
  restPeriod: 30,
  baseThreshold: 0.75,
  maxLeft: 7,
  maxActive: 15,
  bits: 3,
  legacyParse: 0,
});

export const CAD_OSE_INTEGER_OPTIONS: readonly (keyof CadOseOptions)[] = ['maxLeft', 'maxActive', 'bits'];
/** Options that may be negative (a file's values may be). */
export const CAD_OSE_SIGNED_OPTIONS: readonly (keyof CadOseOptions)[] = ['minValue', 'maxValue'];

export function validateCadOseOptions(o: CadOseOptions): void {
  if (o.maxValue < o.minValue) throw new RolloutlabError('BAD_ARGUMENT', `detector cad-ose: option maxValue must be >= minValue, got ${o.maxValue} < ${o.minValue}`, 'maxValue');
  if (o.legacyParse !== 0 && o.legacyParse !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector cad-ose: option legacyParse must be 0 or 1, got ${o.legacyParse}`, 'legacyParse');
  if (o.bits > 16) throw new RolloutlabError('BAD_ARGUMENT', `detector cad-ose: option bits must be <= 16, got ${o.bits}`, 'bits');
}

/** NAB's probationary period of an n-row file: min(floor(0.15 n), 0.15 x 5000) (nab/util.py). */
export function nabProbationaryPeriod(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

/**
 * What NAB hands contextOSE for one file: its min, max and probationary period / 5; and the values read as NAB's
 * pandas read them (`legacyParse`), the min and max too (`legacyParse` false: the values as they are).
 */
export function cadOseFileOptions(values: ArrayLike<number>, legacyParse = true): Record<string, number> {
  const [mn, mx] = nabValueRange(values, legacyParse);
  return { minValue: mn, maxValue: mx, restPeriod: nabProbationaryPeriod(values.length) / 5, legacyParse: legacyParse ? 1 : 0 };
}

/** CPython 2.7's hash of a tuple of small non-negative ints on a 64-bit build (hash(int) is the int itself). */
export function py2TupleHash(items: readonly number[]): bigint {
  let x = 0x345678n;
  let mult = 1000003n;
  let len = items.length;
  for (const it of items) {
    len--;
    x = BigInt.asIntN(64, (x ^ BigInt(it)) * mult);
    mult = BigInt.asIntN(64, mult + 82520n + BigInt(len + len));
  }
  x = BigInt.asIntN(64, x + 97531n);
  return x === -1n ? -2n : x;
}

/**
 * A CPython 2.7 dict from small non-negative ints to ints, reproducing its iteration order (the slot order of its
 * open-addressing table). Only what the port needs: setdefault and items; no deletion.
 */
export class Py2IntDict {
  private keys = new Int32Array(8).fill(-1);
  private vals = new Int32Array(8);
  private mask = 7;
  /** Keys in insertion order (the state saves them; re-inserting them rebuilds the same table). */
  readonly inserted: number[] = [];

  private slot(key: number): number {
    let i = key & this.mask;
    if (this.keys[i] === -1 || this.keys[i] === key) return i;
    // size_t arithmetic; only the low bits matter for i & mask, so 32 bits suffice.
    let perturb = key;
    for (;;) {
      i = ((Math.imul(i, 5) >>> 0) + perturb + 1) >>> 0;
      const s = i & this.mask;
      if (this.keys[s] === -1 || this.keys[s] === key) return s;
      perturb >>>= 5;
    }
  }

  /** The value of `key`, inserting `value` first if absent (dict.setdefault). */
  setdefault(key: number, value: number): number {
    const s = this.slot(key);
    if (this.keys[s] === key) return this.vals[s];
    this.keys[s] = key;
    this.vals[s] = value;
    this.inserted.push(key);
    const used = this.inserted.length;
    if (used * 3 >= (this.mask + 1) * 2) this.resize(4 * used);
    return value;
  }

  private resize(minUsed: number): void {
    let size = 8;
    while (size <= minUsed) size <<= 1;
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Int32Array(size).fill(-1);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] === -1) continue;
      const s = this.slot(oldKeys[j]);
      this.keys[s] = oldKeys[j];
      this.vals[s] = oldVals[j];
    }
  }

  /** The table: slot j holds keys[j] -> vals[j] (keys[j] -1: empty); iterating j upwards is the dict's order. */
  get table(): { keys: Int32Array; vals: Int32Array } {
    return { keys: this.keys, vals: this.vals };
  }

  get(key: number): number | undefined {
    const s = this.slot(key);
    return this.keys[s] === key ? this.vals[s] : undefined;
  }
}

/** A semi-context: its facts, and the facts of it present at the last crossing of its side. */
interface Semi {
  /** Its index in its side's list (creation order). */
  readonly id: number;
  readonly facts: readonly number[];
  readonly hash: bigint;
  /** Present facts at the last crossing (the original's [0]); its length is the original's [2]. */
  crossed: number[];
  /** The crossing that last touched it (to collect the touched ones without a set). */
  stamp: number;
  /** Left side only: right semi-context id -> context id. */
  readonly contexts: Py2IntDict | null;
}

const NEURON_OFFSET = 2 ** 31;

/** The sensory facts of level n, built from Python's bin(n) as the original does; sorted, distinct. */
export function levelFacts(n: number, bits: number): number[] {
  let s = n < 0 ? `-0b${(-n).toString(2)}` : `0b${n.toString(2)}`;
  s = s.replace(/^[0b]+/, '');
  s = s.padStart(bits, '0');
  const facts = new Set<number>();
  for (let k = 0; k < s.length; k++) facts.add(k * 2 + (s[s.length - 1 - k] === '1' ? 1 : 0));
  return [...facts].sort((a, b) => a - b);
}

class ContextMemory {
  private readonly semis: [Semi[], Semi[]] = [[], []];
  private readonly byHash: [Map<bigint, number>, Map<bigint, number>] = [new Map(), new Map()];
  private readonly byFact: [Map<number, Semi[]>, Map<number, Semi[]>] = [new Map(), new Map()];
  private crossedLists: [Semi[], Semi[]] = [[], []];
  // Contexts, by id: activations, zero-level flag, hashes of the left and right fact tuples.
  private readonly count: number[] = [];
  private readonly zero: number[] = [];
  private readonly leftHash: bigint[] = [];
  private readonly rightHash: bigint[] = [];
  /** The id of the zero-level context created this step; 0 (Python's False) when none. */
  private newContextId = 0;
  private crossings = 0;

  constructor(private readonly maxLeft: number) {}

  private semiOf(side: 0 | 1, facts: readonly number[], hash: bigint): number {
    const known = this.byHash[side].get(hash);
    if (known !== undefined) return known;
    const id = this.semis[side].length;
    this.byHash[side].set(hash, id);
    const semi: Semi = { id, facts: [...facts], hash, crossed: [], stamp: 0, contexts: side === 0 ? new Py2IntDict() : null };
    this.semis[side].push(semi);
    const index = this.byFact[side];
    for (const f of facts) {
      const list = index.get(f);
      if (list) list.push(semi);
      else index.set(f, [semi]);
    }
    return id;
  }

  /** Looks up or creates the context (left, right); returns its id, negated minus 1 when it already existed. */
  private context(left: readonly number[], right: readonly number[], zeroLevel: boolean): number {
    const lh = py2TupleHash(left), rh = py2TupleHash(right);
    const lid = this.semiOf(0, left, lh);
    const rid = this.semiOf(1, right, rh);
    const next = this.count.length;
    const id = this.semis[0][lid].contexts!.setdefault(rid, next);
    if (id === next) {
      this.count.push(0);
      this.zero.push(zeroLevel ? 1 : 0);
      this.leftHash.push(lh);
      this.rightHash.push(rh);
      if (zeroLevel) this.newContextId = id;
      return id;
    }
    if (zeroLevel) this.zero[id] = 1;
    return -id - 1;
  }

  /** The zero-level context (previous left facts, current facts): its id, and whether it is new. */
  zeroLevel(left: readonly number[], right: readonly number[]): { id: number; created: boolean } {
    const c = this.context(left, right, true);
    return c >= 0 ? { id: c, created: true } : { id: -c - 1, created: false };
  }

  /** Stores proposed contexts; returns how many were new, and adds every proposal's context id to `ids`. */
  addProposed(list: readonly (readonly [number[], number[]])[], ids: Set<number>): number {
    let added = 0;
    for (const [l, r] of list) {
      const c = this.context(l, r, false);
      if (c >= 0) added++;
      ids.add(c >= 0 ? c : -c - 1);
    }
    return added;
  }

  /** Marks which facts of every semi-context of one side are present; keeps the touched ones, in id order. */
  cross(side: 0 | 1, facts: readonly number[]): void {
    for (const s of this.crossedLists[side]) s.crossed = [];
    const stamp = ++this.crossings;
    const touched: number[] = [];
    const index = this.byFact[side];
    for (const f of facts) {
      const list = index.get(f);
      if (!list) continue;
      for (const s of list) {
        s.crossed.push(f);
        if (s.stamp !== stamp) {
          s.stamp = stamp;
          touched.push(s.id);
        }
      }
    }
    // The original walks every semi-context in creation order; untouched ones have nothing present.
    const all = this.semis[side];
    this.crossedLists[side] = Array.from(Int32Array.from(touched).sort(), (id) => all[id]);
  }

  /**
   * Walks the contexts of the left semi-contexts crossed at the previous step: counts the selected ones, activates
   * those whose right part is fully present, and (when the zero-level context was new) proposes intersections.
   */
  activate(newContextFlag: boolean): { active: number[]; selected: number; proposed: [number[], number[]][] } {
    const active: number[] = [];
    const proposed: [number[], number[]][] = [];
    let selected = 0;
    const rights = this.semis[1];
    for (const left of this.crossedLists[0]) {
      const leftPresent = left.crossed.length;
      const leftFull = leftPresent === left.facts.length;
      const { keys, vals } = left.contexts!.table;
      for (let j = 0; j < keys.length; j++) {
        const rid = keys[j], cid = vals[j];
        if (rid === -1 || cid === this.newContextId) continue;
        const right = rights[rid];
        const rightPresent = right.crossed.length;
        if (leftFull) {
          selected++;
          if (rightPresent > 0) {
            if (rightPresent === right.facts.length) {
              this.count[cid]++;
              active.push(cid);
            } else if (this.zero[cid] && newContextFlag && leftPresent <= this.maxLeft) {
              proposed.push([left.crossed.slice(), right.crossed.slice()]);
            }
          }
        } else if (this.zero[cid] && newContextFlag && rightPresent > 0 && leftPresent <= this.maxLeft) {
          proposed.push([left.crossed.slice(), right.crossed.slice()]);
        }
      }
    }
    this.newContextId = 0;
    return { active, selected, proposed };
  }

  /** The `n` active contexts with the largest (activations, left hash, right hash), as the original sorts them. */
  neurons(active: readonly number[], n: number): number[] {
    const { count, leftHash, rightHash } = this;
    const sorted = [...active].sort((a, b) =>
      count[a] !== count[b] ? count[a] - count[b] : leftHash[a] !== leftHash[b] ? (leftHash[a] < leftHash[b] ? -1 : 1) : rightHash[a] < rightHash[b] ? -1 : rightHash[a] > rightHash[b] ? 1 : 0,
    );
    return sorted.slice(Math.max(0, sorted.length - n));
  }

  get contexts(): number {
    return this.count.length;
  }

  save() {
    const side = (k: 0 | 1) => ({
      facts: this.semis[k].map((s) => s.facts),
      crossed: this.semis[k].map((s) => s.crossed),
      hash: this.semis[k].map((s) => s.hash.toString()),
      crossedList: this.crossedLists[k].map((s) => s.id),
    });
    return {
      left: { ...side(0), contexts: this.semis[0].map((s) => s.contexts!.inserted.map((rid) => [rid, s.contexts!.get(rid)!])) },
      right: side(1),
      count: [...this.count],
      zero: [...this.zero],
      leftHash: this.leftHash.map(String),
      rightHash: this.rightHash.map(String),
    };
  }

  load(st: ReturnType<ContextMemory['save']>): void {
    const sides = [st.left, st.right] as const;
    for (const k of [0, 1] as const) {
      const s = sides[k];
      s.facts.forEach((facts, i) => {
        const id = this.semiOf(k, facts, BigInt(s.hash[i]));
        if (id !== i) throw new RolloutlabError('BAD_DATA', 'detector state: cad-ose semi-contexts with equal hashes', 'state');
        this.semis[k][i].crossed = [...s.crossed[i]];
      });
      this.crossedLists[k] = s.crossedList.map((i) => this.semis[k][i]);
    }
    st.left.contexts.forEach((pairs, i) => {
      for (const [rid, cid] of pairs) this.semis[0][i].contexts!.setdefault(rid, cid);
    });
    this.count.push(...st.count);
    this.zero.push(...st.zero);
    this.leftHash.push(...st.leftHash.map((h) => BigInt(h)));
    this.rightHash.push(...st.rightHash.map((h) => BigInt(h)));
  }
}

export class CadOseDetector implements AnomalyDetector {
  readonly name = 'cad-ose' as const;
  private readonly o: CadOseOptions;
  private readonly step: number;
  private readonly rest: number;
  private mem: ContextMemory;
  /** The previous step's left facts: its sensory facts and neurons, sorted. */
  private leftFacts: number[] = [];
  /** The last `rest` raw scores (all of them when rest is 0, as Python's [-0:]); starts with 1.0. */
  private history: number[] = [1];

  constructor(options: CadOseOptions) {
    this.o = { ...options };
    const maxBin = 2 ** options.bits - 1;
    let range = options.maxValue - options.minValue;
    if (range === 0) range = maxBin;
    this.step = range / maxBin;
    this.rest = Math.trunc(options.restPeriod);
    this.mem = new ContextMemory(options.maxLeft);
  }

  /** One step on the sensory facts: (share of selected contexts active, share of proposed contexts new). */
  private stepFacts(facts: number[]): [number, number] {
    const m = this.mem;
    // The distinct proposed contexts (the zero-level one included), by context id: a context is its pair of fact
    // tuples, so distinct pairs are distinct ids (unless two tuples share a 64-bit hash, when the original merges
    // their semi-contexts as well).
    const unique = new Set<number>();
    let newContext = false;
    if (this.leftFacts.length > 0 && facts.length > 0) {
      const z = m.zeroLevel(this.leftFacts, facts);
      newContext = z.created;
      unique.add(z.id);
    }
    m.cross(1, facts);
    const { active, selected, proposed } = m.activate(newContext);
    const activeShare = selected > 0 ? active.length / selected : 0;
    const neurons = m.neurons(active, this.o.maxActive).map((id) => NEURON_OFFSET + id);
    this.leftFacts = [...new Set([...facts, ...neurons])].sort((a, b) => a - b);
    let added = proposed.length > 0 ? m.addProposed(proposed, unique) : 0;
    m.cross(0, this.leftFacts);
    if (newContext) added++;
    const newShare = newContext && unique.size > 0 ? added / unique.size : 0;
    return [activeShare, newShare];
  }

  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    const x = this.o.legacyParse ? pandasLegacyValue(value) : value;
    const level = Math.trunc((x - this.o.minValue) / this.step);
    const [activeShare, newShare] = this.stepFacts(levelFacts(level, this.o.bits));
    const raw = (1 - activeShare + newShare) / 2;
    let recent = -Infinity;
    const h = this.history;
    for (let i = this.rest === 0 ? 0 : Math.max(0, h.length - this.rest); i < h.length; i++) if (h[i] > recent) recent = h[i];
    const out = recent < this.o.baseThreshold ? raw : 0;
    if (this.rest === 0) h[0] = Math.max(h[0], raw); // only the maximum of the whole history is ever read
    else {
      h.push(raw);
      if (h.length > this.rest) h.shift();
    }
    return out;
  }

  /** Contexts in memory (for tests and the docs' memory figures). */
  get contexts(): number {
    return this.mem.contexts;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: { leftFacts: [...this.leftFacts], history: [...this.history], mem: this.mem.save() },
    };
  }

  load(st: Record<string, any>): void {
    this.leftFacts = [...st.leftFacts];
    this.history = [...st.history];
    this.mem = new ContextMemory(this.o.maxLeft);
    this.mem.load(st.mem);
  }
}
