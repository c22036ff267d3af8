// `cad`: a streaming port of CAD OSE (Contextual Anomaly Detector, Open Source Edition; NAB's `context_ose`
// detector), written from the published description of its algorithm, made online and causal (no file min/max),
// deterministic, bounded, and optionally combined with the `contextual` detector. See docs/anomaly.md
// ("The `cad` detector").
//
// Per finite value (non-finite values score 0 and are not learnt):
// 1. Quantisation: level q in [0, 2^bits) on a grid learnt from the warm-up (anchor = warm-up min, step = warm-up
//    range / (2^bits - 1), as CAD OSE's range / maxBinValue). A value off the grid grows it (its span multiplied by
//    at least `grow`, on the side of the value) and clears the context memory (the facts change meaning).
//    Sensory facts: bit k of q as the fact 2k + bit (CAD OSE's encoding: `bits` facts per value).
// 2. CAD OSE step: a context = (left semi-context: a set of facts of the previous step - its sensory facts and the
//    ids of its active contexts ("neurons") -, right semi-context: a set of sensory facts of the current step).
//    - the exact (previous left facts, current facts) pair is looked up / created as a "zero-level" context;
//      newContextFlag = it was new;
//    - among the contexts whose left semi-context was fully present in the previous left facts ("selected"),
//      the share whose right semi-context is fully present now is `percentSelectedContextActive`; the active ones
//      count one more activation; when the zero-level context was new, zero-level contexts with partially
//      present parts propose the intersections as new contexts (left part at most `maxLeft` facts);
//    - the `maxActive` most activated active contexts become the neurons of this step's left facts;
//    - `percentAddedContext` = new contexts created / distinct contexts proposed.
//    raw = (1 - percentSelectedContextActive + percentAddedContext) / 2, in [0, 1].
// 3. Output, two modes:
//    - `likelihood` 0: CAD OSE's own output: raw, reported only if every raw value of the previous `restPeriod`
//      rows was below `baseThreshold` (else 0);
//    - `likelihood` 1 (default): the raw value through the anomaly likelihood of `contextual` (surprise
//      L = -log10 Q(z) against its last `history` values, sd floored at `minStd`), optionally the larger of that and
//      an inner `contextual` detector's context / residual surprises (`contextualWeight`, `residualWeight`), score
//      L / (L + 5), and the same repeat suppression as `contextual` (`suppress`).
// Memory: at most `maxContexts` contexts (the whole memory is cleared when reached).
//
// The defaults (chosen on the tuning half of the NAB files, docs/anomaly.md) are the likelihood mode with the inner
// contextual detector's context novelty (contextualWeight 1, residualWeight 0) and 4 neurons instead of CAD OSE's 15
// (same score, 4x faster). CAD OSE alone: { contextualWeight: 0, maxActive: 15 } (its likelihood) or additionally
// { likelihood: 0 } (its own output). The port follows our recollection of NAB's context_ose code (cad_ose.py,
// context_operator.py); it was not checked line by line against that code.
//
// A value off the grid gets raw 1 (it is new whatever the just-cleared memory says).
import { RolloutlabError } from '../lib/errors.ts';
import { ContextualDetector, CONTEXTUAL_DEFAULTS, type ContextualOptions } from './contextual.ts';
import { Likelihood, SlidingMax, reportNewMax, surpriseScore } from './primitives.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorState } from './types.ts';

export interface CadOptions {
  /** Rows scored 0 while the grid is learnt (they are then fed through the context memory). */
  warmup: number;
  /** Bits per quantised value (CAD OSE: 3, i.e. 8 levels). */
  bits: number;
  /** Factor by which the grid's span at least grows when a value falls off it. */
  grow: number;
  /** Most activated active contexts that become facts of the next step (CAD OSE: 15). */
  maxActive: number;
  /** Longest left part of a proposed context (CAD OSE: 7). */
  maxLeft: number;
  /** Cap on contexts; the memory is cleared when reached. */
  maxContexts: number;
  /** 0: CAD OSE's output with its rest period; 1: anomaly likelihood of the raw score + repeat suppression. */
  likelihood: number;
  /** CAD OSE output mode: rows after a raw score >= baseThreshold during which nothing is reported. */
  restPeriod: number;
  baseThreshold: number;
  /** Likelihood mode: weight of the CAD surprise. */
  cadWeight: number;
  /** Likelihood mode: weights of an inner contextual detector's context-novelty and residual surprises (0 = off). */
  contextualWeight: number;
  residualWeight: number;
  history: number;
  minStd: number;
  suppress: number;
}

export const CAD_DEFAULTS: Readonly<CadOptions> = Object.freeze({
  warmup: 150,
  bits: 3,
  grow: 2,
  maxActive: 4,
  maxLeft: 7,
  maxContexts: 100_000,
  likelihood: 1,
  restPeriod: 150,
  baseThreshold: 0.75,
  cadWeight: 1,
  contextualWeight: 1,
  residualWeight: 0,
  history: 2000,
  minStd: 0.1,
  suppress: 400,
});

/** Options that must be integers >= 1 (the others: numbers >= 0). */
export const CAD_INTEGER_OPTIONS: readonly (keyof CadOptions)[] = ['warmup', 'bits', 'maxActive', 'maxLeft', 'maxContexts', 'restPeriod', 'history', 'suppress'];

/** The checks beyond integer / number >= 0 (BAD_ARGUMENT). */
export function validateCadOptions(o: CadOptions): void {
  if (o.bits > 16) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option bits must be <= 16, got ${o.bits}`, 'bits');
  if (o.maxContexts > 2 ** 17) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option maxContexts must be <= 131072, got ${o.maxContexts}`, 'maxContexts');
  if (o.grow <= 1) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option grow must be > 1, got ${o.grow}`, 'grow');
  if (o.likelihood !== 0 && o.likelihood !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option likelihood must be 0 or 1, got ${o.likelihood}`, 'likelihood');
}

/** Neuron (active context) facts are offset past every sensory fact (bits <= 16: facts < 32), small integers. */
const NEURON = 32;
/**
 * Context ids stay below 2^20 (maxContexts is capped at 2^17, and one step adds far fewer than 2^19), so
 * (activations, zero-level, id) packs into one exact double for activations below 2^32.
 */
export const ID_SPACE = 2 ** 20;
/** Proposal keys: left id * PAIR_SPACE + right id (interned per step; fewer than 2^20 distinct right parts). */
const PAIR_SPACE = 2 ** 20;

function intern(m: Map<string, number>, k: string): number {
  let i = m.get(k);
  if (i === undefined) {
    i = m.size;
    m.set(k, i);
  }
  return i;
}

interface Proposal {
  lf: number[];
  lk: string;
  rf: number[];
  rk: string;
}

/** The CAD OSE context memory and step (ContextOperator + ContextualAnomalyDetectorOSE.step). */
export class CadMemory {
  readonly maxActive: number;
  readonly maxLeft: number;
  // semi-contexts, [0] left, [1] right: key (sorted facts joined) -> id, facts per id, fact -> ids containing it
  semiKey: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  semiFacts: [number[][], number[][]] = [[], []];
  factIndex: [Map<number, number[]>, Map<number, number[]>] = [new Map(), new Map()];
  /** Per left semi-context: [right semi-context id, context id] pairs, flat, in creation order. */
  leftRight: number[][] = [];
  ctxCount: number[] = [];
  ctxZero: number[] = [];
  /** Previous step's left facts (sorted). */
  leftFacts: number[] = [];
  /** Left semi-contexts by their largest fact (to find the fully present ones without crossing them all). */
  maxIndex = new Map<number, number[]>();
  // Crossing of the left semi-contexts with `leftFacts` (scratch): facts present per id (valid where the stamp is
  // current), the ids with at least one / all facts present; `mark[f] === epoch` when f is in leftFacts.
  private cnt: number[] = [];
  private stamp: number[] = [];
  private epoch = 0;
  private touched: number[] = [];
  private full: number[] = [];
  private mark: Int32Array;
  private topBuf: Float64Array;
  private markEpoch = 0;
  // right crossing scratch
  private rcnt: number[] = [];
  private rstamp: number[] = [];
  private repoch = 0;
  private rlen: number[] = [];
  private lastLeftIds: Map<string, number> | null = null;
  private lastRightIds: Map<string, number> | null = null;

  constructor(maxActive: number, maxLeft: number, maxContexts: number) {
    this.maxActive = maxActive;
    this.maxLeft = maxLeft;
    this.mark = new Int32Array(NEURON + maxContexts + 1);
    this.topBuf = new Float64Array(maxActive);
  }

  get contexts(): number {
    return this.ctxCount.length;
  }

  clear(): void {
    this.semiKey = [new Map(), new Map()];
    this.semiFacts = [[], []];
    this.factIndex = [new Map(), new Map()];
    this.leftRight = [];
    this.ctxCount = [];
    this.ctxZero = [];
    this.leftFacts = [];
    this.maxIndex = new Map();
    this.cnt = [];
    this.stamp = [];
    this.touched = [];
    this.full = [];
    this.rcnt = [];
    this.rlen = [];
    this.rstamp = [];
  }

  private semi(side: 0 | 1, facts: readonly number[], key = facts.join(',')): number {
    let id = this.semiKey[side].get(key);
    if (id === undefined) {
      id = this.semiFacts[side].length;
      this.semiKey[side].set(key, id);
      this.semiFacts[side].push([...facts]);
      if (side === 0) {
        const top = facts[facts.length - 1];
        const l = this.maxIndex.get(top);
        if (l) l.push(id);
        else this.maxIndex.set(top, [id]);
        this.leftRight.push([]);
        this.cnt.push(0);
        this.stamp.push(-1);
      } else {
        this.rcnt.push(0);
        this.rlen.push(facts.length);
        this.rstamp.push(-1);
      }
      const idx = this.factIndex[side];
      for (const f of facts) {
        const l = idx.get(f);
        if (l) l.push(id);
        else idx.set(f, [id]);
      }
    }
    return id;
  }

  /** getContextByFacts: finds or creates contexts; zero-level: returns 1 if it was new, else 0 (and returns its id). */
  private contextsByFacts(list: Iterable<Proposal>, zero: number): { added: number; id: number } {
    let added = 0;
    for (const { lf, lk, rf, rk } of list) {
      const lid = this.semi(0, lf, lk);
      const rid = this.semi(1, rf, rk);
      const pairs = this.leftRight[lid];
      let cid = -1;
      for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === rid) {
        cid = pairs[k + 1];
        break;
      }
      if (cid < 0) {
        const c = this.ctxCount.length;
        if (NEURON + c >= this.mark.length) {
          const grown = new Int32Array(2 * this.mark.length);
          grown.set(this.mark);
          this.mark = grown;
        }
        pairs.push(rid, c);
        this.ctxCount.push(0);
        this.ctxZero.push(zero);
        added++;
        if (zero) return { added: 1, id: c };
      } else if (zero) {
        this.ctxZero[cid] = 1;
        return { added: 0, id: -1 };
      }
    }
    return { added, id: -1 };
  }

  /** The fully present left semi-contexts only (into `full`): candidates by their largest fact, then a subset test. */
  private fullLeft(): void {
    const e = ++this.markEpoch;
    const mark = this.mark;
    for (const f of this.leftFacts) mark[f] = e;
    const full: number[] = [];
    for (const f of this.leftFacts) {
      const ids = this.maxIndex.get(f);
      if (!ids) continue;
      for (let k = 0; k < ids.length; k++) {
        const facts = this.semiFacts[0][ids[k]];
        let ok = true;
        for (let j = facts.length - 2; j >= 0; j--) if (mark[facts[j]] !== e) {
          ok = false;
          break;
        }
        if (ok) full.push(ids[k]);
      }
    }
    this.full = full;
  }

  /** Crosses every left semi-context with `leftFacts` (into `cnt`, `touched`, `full`). */
  private crossLeft(): void {
    const e = ++this.epoch;
    const idx = this.factIndex[0];
    const touched: number[] = [], full: number[] = [];
    for (const f of this.leftFacts) {
      const ids = idx.get(f);
      if (!ids) continue;
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        if (this.stamp[id] !== e) {
          this.stamp[id] = e;
          this.cnt[id] = 0;
          touched.push(id);
        }
        if (++this.cnt[id] === this.semiFacts[0][id].length) full.push(id);
      }
    }
    this.touched = touched;
    this.full = full;
  }

  /** One CAD OSE step with the current sensory facts (sorted, distinct); returns the raw anomaly in [0, 1]. */
  step(sens: number[], sensKey = sens.join(',')): number {
    let newFlag = 0, newId = -1, zeroKey = '';
    if (this.leftFacts.length && sens.length) {
      const z = { lf: this.leftFacts, lk: this.leftFacts.join(','), rf: sens, rk: sensKey };
      const r = this.contextsByFacts([z], 1);
      newFlag = r.added;
      newId = r.id;
      zeroKey = z.lk + '|' + z.rk;
    }
    // right crossing
    const re = ++this.repoch;
    const ridx = this.factIndex[1];
    for (const f of sens) {
      const ids = ridx.get(f);
      if (!ids) continue;
      for (const id of ids) {
        if (this.rstamp[id] !== re) {
          this.rstamp[id] = re;
          this.rcnt[id] = 0;
        }
        this.rcnt[id]++;
      }
    }
    // updateContextsAndGetActive
    const active: number[] = [];
    let selected = 0;
    // proposed contexts, distinct, in proposal order (a repeated proposal finds its context already made)
    const potential = new Map<number, Proposal>();
    let zeroPair = -1; // the zero-level context as a proposal key, if it was also proposed
    const maxLeft = this.maxLeft;
    // The crossing of the previous left facts: the zero-level context just created (if new) is skipped below, so
    // crossing now gives what crossing at the end of the previous step gave.
    if (!newFlag) {
      this.fullLeft();
      // Without a new zero-level context nothing is proposed: only the fully present left semi-contexts matter.
      for (const lid of this.full) {
        const pairs = this.leftRight[lid];
        for (let k = 0; k < pairs.length; k += 2) {
          const rid = pairs[k], cid = pairs[k + 1];
          selected++;
          if ((this.rstamp[rid] === re ? this.rcnt[rid] : 0) === this.rlen[rid]) {
            this.ctxCount[cid]++;
            active.push(cid);
          }
        }
      }
    } else {
      this.crossLeft();
      const e = ++this.markEpoch;
      const mark = this.mark;
      for (const f of this.leftFacts) mark[f] = e;
      let sensMask = 0;
      for (const f of sens) sensMask |= 1 << f;
      // crossed fact lists interned per step, so a proposal's identity is a number
      const leftIds = new Map<string, number>(), rightIds = new Map<string, number>();
      const rightCrossed = new Map<number, { rf: number[]; rk: string; ri: number }>();
      this.lastLeftIds = leftIds;
      this.lastRightIds = rightIds;
      const lids = Int32Array.from(this.touched).sort(); // CAD OSE walks the semi-contexts in id order
      for (let t = 0; t < lids.length; t++) {
        const lid = lids[t];
        const lfacts = this.semiFacts[0][lid];
        const lc = this.cnt[lid];
        const isFull = lc === lfacts.length;
        if (!isFull && lc > maxLeft) continue; // nothing to select or propose
        let lf: number[] | null = null, lk = '', li = 0;
        const pairs = this.leftRight[lid];
        for (let k = 0; k < pairs.length; k += 2) {
          const rid = pairs[k], cid = pairs[k + 1];
          if (cid === newId) continue;
          const rc = this.rstamp[rid] === re ? this.rcnt[rid] : 0;
          let propose = false;
          if (isFull) {
            selected++;
            if (rc > 0) {
              if (rc === this.rlen[rid]) {
                this.ctxCount[cid]++;
                active.push(cid);
              } else propose = this.ctxZero[cid] === 1 && lc <= maxLeft;
            }
          } else propose = this.ctxZero[cid] === 1 && rc > 0 && lc <= maxLeft;
          if (propose) {
            if (lf === null) {
              lf = [];
              for (const f of lfacts) if (mark[f] === e) lf.push(f);
              lk = lf.join(',');
              li = intern(leftIds, lk);
            }
            let r = rightCrossed.get(rid);
            if (!r) {
              const rf: number[] = [];
              for (const f of this.semiFacts[1][rid]) if (sensMask & (1 << f)) rf.push(f);
              const rk = rf.join(',');
              r = { rf, rk, ri: intern(rightIds, rk) };
              rightCrossed.set(rid, r);
            }
            const key = li * PAIR_SPACE + r.ri;
            if (!potential.has(key)) potential.set(key, { lf, lk, rf: r.rf, rk: r.rk });
          }
        }
      }
    }
    if (newFlag) {
      const li = this.lastLeftIds?.get(zeroKey.slice(0, zeroKey.indexOf('|')));
      const ri = this.lastRightIds?.get(zeroKey.slice(zeroKey.indexOf('|') + 1));
      if (li !== undefined && ri !== undefined) zeroPair = li * PAIR_SPACE + ri;
    }
    const pActive = selected > 0 ? active.length / selected : 0;
    // neurons: the most activated active contexts (ties: zero-level first, then the newer)
    const left = sens.slice();
    const na = active.length;
    if (na <= this.maxActive) for (let k = 0; k < na; k++) left.push(NEURON + active[k]);
    else {
      // the maxActive largest numeric keys (count, zero-level, id) (ids < ID_SPACE), kept in an ascending buffer
      const top = this.topBuf;
      const m = this.maxActive;
      let used = 0;
      for (let k = 0; k < na; k++) {
        const c = active[k];
        const key = (this.ctxCount[c] * 2 + this.ctxZero[c]) * ID_SPACE + c;
        if (used < m) {
          let j = used++;
          while (j > 0 && top[j - 1] > key) {
            top[j] = top[j - 1];
            j--;
          }
          top[j] = key;
        } else if (key > top[0]) {
          let i = 0;
          while (i + 1 < m && top[i + 1] < key) {
            top[i] = top[i + 1];
            i++;
          }
          top[i] = key;
        }
      }
      for (let k = 0; k < m; k++) left.push(NEURON + (top[k] % ID_SPACE));
    }
    left.sort((x, y) => x - y);
    this.leftFacts = left;
    // the proposed contexts are created (the left semi-contexts are crossed with the new left facts at the next step)
    const added = (potential.size ? this.contextsByFacts(potential.values(), 0).added : 0) + newFlag;
    const uniq = newFlag ? potential.size + (zeroPair >= 0 && potential.has(zeroPair) ? 0 : 1) : 0;
    const pAdded = uniq ? added / uniq : 0;
    return (1 - pActive + pAdded) / 2;
  }

  save() {
    return {
      left: this.semiFacts[0].map((f) => [...f]),
      right: this.semiFacts[1].map((f) => [...f]),
      leftRight: this.leftRight.map((p) => [...p]),
      ctxCount: [...this.ctxCount],
      ctxZero: [...this.ctxZero],
      leftFacts: [...this.leftFacts],
    };
  }

  load(st: ReturnType<CadMemory['save']>): void {
    this.clear();
    for (const side of [0, 1] as const) for (const f of side ? st.right : st.left) this.semi(side, f);
    this.leftRight = st.leftRight.map((p) => [...p]);
    this.ctxCount = [...st.ctxCount];
    this.ctxZero = [...st.ctxZero];
    this.leftFacts = [...st.leftFacts];
  }
}

export class CadDetector implements AnomalyDetector {
  readonly name = 'cad' as const;
  readonly o: CadOptions;
  readonly levels: number;
  n = 0;
  warm: number[] = [];
  /** Grid: level q covers [lo + q step, lo + (q + 1) step); step 0 = flat so far (everything level 0). */
  lo = NaN;
  step = 0;
  resets = 0;
  mem: CadMemory;
  lk: Likelihood;
  ctx: ContextualDetector | null;
  recentMax: SlidingMax;
  /** CAD OSE output mode: raw scores of the last restPeriod rows. */
  restMax: SlidingMax;
  lastRaw = 0;

  constructor(o: CadOptions) {
    this.o = o;
    this.levels = 2 ** o.bits;
    this.mem = new CadMemory(o.maxActive, o.maxLeft, o.maxContexts);
    this.lk = new Likelihood(1, o.history, o.minStd);
    this.ctx = o.likelihood && (o.contextualWeight || o.residualWeight)
      ? new ContextualDetector('contextual', { ...CONTEXTUAL_DEFAULTS, warmup: o.warmup, suppress: o.suppress, contextWeight: o.contextualWeight ? 1 : 0, residualWeight: o.residualWeight ? 1 : 0 } as ContextualOptions)
      : null;
    this.recentMax = new SlidingMax(o.suppress);
    this.restMax = new SlidingMax(o.restPeriod);
  }

  /** Level of x, growing the grid (and clearing the memory) when x is off it. */
  private level(x: number): number {
    const top = this.levels - 1;
    if (this.step === 0) {
      if (x === this.lo) return 0;
      const a = Math.min(this.lo, x), b = Math.max(this.lo, x);
      this.lo = a;
      this.step = (b - a) / top;
      this.reset();
    }
    let q = Math.floor((x - this.lo) / this.step);
    if (q < 0 || q > top) {
      const span = this.step * top;
      const hi = this.lo + span;
      const need = q < 0 ? hi - x : x - this.lo;
      const nspan = Math.max(need, this.o.grow * span);
      if (q < 0) this.lo = hi - nspan;
      this.step = nspan / top;
      this.reset();
      q = Math.min(top, Math.max(0, Math.floor((x - this.lo) / this.step)));
    }
    return q;
  }

  private reset(): void {
    this.resets++;
    this.mem.clear();
  }

  /** Sensory facts of each level and their key, made once (the memory never modifies them). */
  private factCache: { facts: number[]; key: string }[] = [];

  private facts(q: number): { facts: number[]; key: string } {
    const hit = this.factCache[q];
    if (hit) return hit;
    const out: number[] = [];
    for (let k = 0; k < this.o.bits; k++) out.push(2 * k + ((q >> k) & 1));
    return (this.factCache[q] = { facts: out, key: out.join(',') });
  }

  /** Learns x and returns CAD OSE's raw anomaly of it. */
  private learn(x: number): number {
    const before = this.resets;
    const q = this.level(x);
    if (this.mem.contexts >= this.o.maxContexts) this.mem.clear();
    const f = this.facts(q);
    const raw = this.mem.step(f.facts, f.key);
    // A value off the learnt range is new whatever the (just cleared) memory says: raw 1.
    return this.resets > before ? 1 : raw;
  }

  private initGrid(): void {
    let a = Infinity, b = -Infinity;
    for (const v of this.warm) {
      if (v < a) a = v;
      if (v > b) b = v;
    }
    this.lo = a;
    this.step = b > a ? (b - a) / (this.levels - 1) : 0;
    for (const v of this.warm) {
      const raw = this.learn(v);
      if (this.o.likelihood) this.lk.update(raw);
    }
    this.warm = [];
  }

  /** Surprise L (likelihood mode) or the rest-period-filtered raw score (CAD OSE mode); 0 in the warm-up. */
  private surprise(value: number): number {
    const o = this.o;
    this.n++;
    let lc = 0, lr = 0;
    if (this.ctx) {
      this.ctx.surprise(value);
      lc = this.ctx.lastContext;
      lr = this.ctx.lastResidual;
    }
    if (this.n <= o.warmup) {
      this.warm.push(value);
      if (this.n === o.warmup) this.initGrid();
      return 0;
    }
    const raw = this.learn(value);
    this.lastRaw = raw;
    if (!o.likelihood) return raw;
    const L = this.lk.update(raw);
    return Math.max(o.cadWeight * L, o.contextualWeight * lc, o.residualWeight * lr);
  }

  update(value: number, _timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const warm = this.n < this.o.warmup;
    const s = this.surprise(value);
    if (!this.o.likelihood) {
      if (warm) return 0;
      const before = this.restMax.max();
      this.restMax.push(s);
      // CAD OSE: raw reported only if the previous restPeriod raw values were all below baseThreshold. Scores are
      // kept below 1 and distinct from 0 ordering-wise by a monotone map (NAB's sweep is rank-based).
      return before < this.o.baseThreshold ? s * 0.999999 : 0;
    }
    const sc = warm ? 0 : surpriseScore(s);
    return reportNewMax(this.recentMax, sc);
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: {
        n: this.n,
        warm: [...this.warm],
        lo: Number.isNaN(this.lo) ? null : this.lo,
        step: this.step,
        resets: this.resets,
        mem: this.mem.save(),
        lk: this.lk.save(),
        ctx: this.ctx ? this.ctx.toJSON().state : null,
        recentMax: this.recentMax.save(),
        restMax: this.restMax.save(),
      },
    };
  }

  load(st: Record<string, any>): void {
    this.n = st.n;
    this.warm = [...st.warm];
    this.lo = st.lo === null ? NaN : st.lo;
    this.step = st.step;
    this.resets = st.resets;
    this.mem.load(st.mem);
    this.lk.load(st.lk);
    if (this.ctx) this.ctx.load(st.ctx);
    this.recentMax.load(st.recentMax);
    this.restMax.load(st.restMax);
  }
}
