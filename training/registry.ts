// The model registry: trained versions of each model family on disk, and which one is the champion.
//
//   <root>/<family>/v0001/{model.json, weights.bin, ..., card.json}   one complete version per folder
//   <root>/<family>/champion.json                                     { version } — what `loadModel(family)` serves
//   <root>/<family>/history.jsonl                                     one line per champion decision
//
// A version folder is complete iff its card.json passes `validateCard` and names that folder. `save` builds the
// folder aside (`<family>/.tmp-*`), fsyncs it and renames it into place, so a crash leaves at worst an ignored temp
// folder. `promoteIfBetter` swaps champion.json (write aside + rename) only after the candidate is complete and
// judged at least as good as the champion on the same held-out data; so a failed or interrupted training never
// replaces the champion. One writer per family at a time (nothing locks champion.json).
//
// `setChampion` moves the pointer by hand (`rolloutlab models promote --force`) and `rollback` back to the champion
// before the current one; both write champion.json the same way (aside + rename, so the server's watcher sees a new
// file) and log a history line saying who, when, why and how.
//
// Paths on a card (the data set it was trained on) are written relative to the registry root, so a card means the
// same in another clone; `cardPath` / `resolveCardPath` convert. Older cards with absolute paths still read as they are.

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutlabError, show } from '../lib/errors.ts';
import { removeStaleTemps } from '../lib/stale-temp.ts';
// tfjs loads (~1 s) only when a version has a tf model: reading cards and plain files does not need it.
import type { tf } from './backend.ts';
import { CARD_FILE, CARD_SCHEMA_VERSION, cardJson, FAMILY_PATTERN, FILE_NAME_PATTERN, validateCard, VERSION_PATTERN, type ChampionDecision, type ModelCard, type TargetResult } from './card.ts';
import { checkTargets, loadTargets } from './targets.ts';
import type { ModelFiles } from './tf-io.ts';

const MODEL_JSON = 'model.json'; // = tf-io's MODEL_JSON / WEIGHTS_BIN, without loading tfjs
const WEIGHTS_BIN = 'weights.bin';

export const CHAMPION_FILE = 'champion.json';
export const HISTORY_FILE = 'history.jsonl';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `root` if given, else $ROLLOUTLAB_MODELS, else `<repo>/models`. */
export function defaultModelsRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.ROLLOUTLAB_MODELS;
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(REPO_ROOT, 'models'));
}

/** The steps of `save` and `promoteIfBetter`, in order; `onStep` runs before each (tests crash there). */
export const REGISTRY_STEPS = ['save:files', 'save:card', 'save:rename', 'promote:pointer', 'promote:card', 'promote:history'] as const;
export type RegistryStep = (typeof REGISTRY_STEPS)[number];

export interface RegistryOptions {
  /** Default: `defaultModelsRoot()`. */
  root?: string;
  /** Clock for createdAt / decidedAt / history lines (default: the wall clock). */
  now?: () => Date;
  /** Test hook, called before each step; throw or kill the process in it to simulate a crash there. */
  onStep?: (step: RegistryStep, info: { family: string; version: string }) => void | Promise<void>;
}

/** What a family hands over: the card without the fields the registry fills in. */
export type CardInput = Omit<ModelCard, 'schemaVersion' | 'family' | 'version' | 'createdAt' | 'files' | 'champion' | 'baselines' | 'targets'> & {
  /** Default: now. */
  createdAt?: string;
  /** Default: {}. */
  baselines?: ModelCard['baselines'];
  /** Default: `checkTargets(family, metrics)` when training/targets.json lists the family, else []. */
  targets?: TargetResult[];
};

export interface SaveInput {
  card: CardInput;
  /** Saved as model.json + weights.bin (tfjs layers format). */
  model?: tf.LayersModel;
  /** Any other files (flat names; model.json/weights.bin only when there is no `model`). Strings are written as UTF-8. */
  files?: Record<string, Uint8Array | string>;
  /** Keep the optimizer state in the weights, to resume training (default false). */
  includeOptimizer?: boolean;
}

export interface SavedVersion {
  family: string;
  version: string;
  dir: string;
  card: ModelCard;
}

export interface LoadedModel extends SavedVersion {
  /** Every file of the version but card.json, checked against the card's sha256s. */
  files: Record<string, Uint8Array>;
  /** The tfjs model, when the version has a model.json (built on the active backend; `initBackend()` if none). */
  model?: tf.LayersModel;
}

export const ChampionPointerSchema = Type.Object(
  {
    family: Type.String({ pattern: FAMILY_PATTERN }),
    version: Type.String({ pattern: VERSION_PATTERN }),
    since: Type.String(),
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type ChampionPointer = Static<typeof ChampionPointerSchema>;

/**
 * The champion pointer of `family` under `root`, read synchronously and checked like `ModelRegistry.champion`
 * (closed schema, a version like v0001, the family it sits in); null when the family has no champion.
 * Throws BAD_DATA naming the field for anything else, so a pointer such as "../../outside/evil" never loads.
 */
export function readChampionPointerSync(root: string, family: string): ChampionPointer | null {
  checkFamily(family);
  const path = join(root, family, CHAMPION_FILE);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    rethrow(e, `reading ${path}`);
  }
  return parseChampionPointer(path, raw, family);
}

/** A champion pointer file's text, checked (closed schema, a version like v0001, the family it sits in); BAD_DATA naming the field otherwise. */
function parseChampionPointer(path: string, raw: string, family: string): ChampionPointer {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${path} is not JSON: ${(e as Error).message}`, CHAMPION_FILE);
  }
  const err = Value.Errors(ChampionPointerSchema, obj).First();
  if (err) throw new RolloutlabError('BAD_DATA', `${path}: field "${err.path.slice(1) || '(root)'}" ${err.message}, got ${show(err.value)}: only a version of the registry (like v0001) can be the champion`, err.path.slice(1) || CHAMPION_FILE);
  const ptr = obj as ChampionPointer;
  if (ptr.family !== family) throw new RolloutlabError('BAD_DATA', `${path}: field "family" is ${show(ptr.family)}, not ${show(family)}`, 'family');
  return ptr;
}

/**
 * A complete version of `family`, read synchronously: its card (validated; naming this family and version) and
 * every file the card lists, each checked against the card's size and sha256. The version must look like v0001
 * and its folder must resolve (symbolic links followed) inside the family's folder. Throws BAD_DATA / NOT_FOUND
 * naming the problem; nothing unchecked is returned.
 */
export function readVersionSync(root: string, family: string, version: string): { card: ModelCard; dir: string; files: Record<string, Buffer> } {
  checkFamily(family);
  if (typeof version !== 'string' || !new RegExp(VERSION_PATTERN).test(version)) {
    throw new RolloutlabError('BAD_DATA', `${family}: version must be like v0001, got ${show(version)}`, 'version');
  }
  const famDir = join(root, family);
  const dir = join(famDir, version);
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RolloutlabError('NOT_FOUND', `${family} ${version} is not in ${famDir}`, 'version');
    rethrow(e, `reading ${dir}`);
  }
  const rel = relative(realpathSync(famDir), realDir);
  if (rel !== version) throw new RolloutlabError('BAD_DATA', `${family} ${version}: its folder resolves to ${realDir}, outside ${famDir}`, 'version');
  let card: ModelCard;
  try {
    card = validateCard(JSON.parse(readFileSync(join(dir, CARD_FILE), 'utf8')));
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${family} ${version}: its ${CARD_FILE} is missing or invalid (${(e as Error).message})`, CARD_FILE);
  }
  if (card.family !== family || card.version !== version) throw new RolloutlabError('BAD_DATA', `${family} ${version}: its ${CARD_FILE} names ${card.family} ${card.version}`, CARD_FILE);
  const files: Record<string, Buffer> = {};
  for (const f of card.files) {
    const path = join(dir, f.name);
    if (isAbsolute(relative(dir, path)) || relative(dir, path) !== f.name) throw new RolloutlabError('BAD_DATA', `${family} ${version}: card file name ${show(f.name)} is not a plain file name`, `files.${f.name}`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', `${family} ${version}/${f.name} is listed on its card but cannot be read (${(e as Error).message})`, `files.${f.name}`);
    }
    if (bytes.byteLength !== f.bytes || sha256(bytes) !== f.sha256) {
      throw new RolloutlabError('BAD_DATA', `${family} ${version}/${f.name} does not match its card (sha256 or size differs): the file was changed or is corrupt`, `files.${f.name}`);
    }
    files[f.name] = bytes;
  }
  return { card, dir, files };
}

/** Both models' metrics on the same held-out data; the candidate wins ties. */
export interface MetricComparison {
  /** The deciding metric, a key of both metric sets. */
  metric: string;
  /** Which way is better. */
  better: 'higher' | 'lower';
  candidate: Readonly<Record<string, number>>;
  champion: Readonly<Record<string, number>>;
  /** What the held-out data was (e.g. data-set digest + split), for the record. */
  heldOut?: string;
}
export interface Verdict {
  atLeastAsGood: boolean;
  reason: string;
}
/** Decide yourself: e.g. load the champion (`registry.loadModel(family, champion.version)`), score both on the
 *  candidate's held-out data, and compare. */
export type CompareFn = (cards: { candidate: ModelCard; champion: ModelCard }) => Verdict | Promise<Verdict>;

export interface PromotionResult {
  family: string;
  candidate: string;
  /** The champion before the decision (null: there was none). */
  previous: string | null;
  /** The champion after it. */
  champion: string;
  promoted: boolean;
  reason: string;
}

/** How a champion decision was made: absent on lines written by training (its rule); `rule` when
 *  `models promote` re-ran the family's rule, `manual` for `models promote --force`, `rollback` for `models rollback`. */
export const HISTORY_HOWS = ['rule', 'manual', 'rollback'] as const;
export type HistoryHow = (typeof HISTORY_HOWS)[number];

export interface HistoryEntry {
  at: string;
  family: string;
  candidate: string;
  previous: string | null;
  decision: 'promoted' | 'kept';
  reason: string;
  /** Who made it (the user name `models` commands record); absent on lines written by training. */
  by?: string;
  how?: HistoryHow;
  /** A reason given with `models promote` when the rule decided (the rule's own reason is `reason`). */
  note?: string;
}

/** Who and how, for a decision made from the command line rather than by training. */
export interface DecisionBy {
  by: string;
  how: HistoryHow;
  note?: string;
}

/** `p` as a card records it: relative to the registry root when absolute (posix separators), else as given. */
export function cardPath(root: string, p: string): string {
  if (!isAbsolute(p)) return p;
  const rel = relative(resolve(root), p).split(sep).join('/');
  return rel === '' ? '.' : rel;
}

/** A path read from a card: relative ones are relative to the registry root; absolute ones (older cards) as they are. */
export function resolveCardPath(root: string, p: string): string {
  return isAbsolute(p) ? p : resolve(root, p);
}

/** The card fields that hold a file-system path (the data sets trained on), made relative to the registry root. */
function relativeCardPaths(card: CardInput, root: string): CardInput {
  const rel = (p: unknown) => (typeof p === 'string' ? cardPath(root, p) : p);
  const out: CardInput = { ...card, dataset: { ...card.dataset } };
  if (out.dataset.path !== undefined) out.dataset.path = cardPath(root, out.dataset.path);
  const hp: Record<string, unknown> = { ...card.hyperParameters };
  if (Array.isArray(hp.datasets)) hp.datasets = hp.datasets.map((d: unknown) => (d !== null && typeof d === 'object' && 'path' in d ? { ...d, path: rel((d as { path: unknown }).path) } : d));
  // An imported history: its data set (`path`) and the file it was imported from (`file`).
  if (hp.trainedOn !== null && typeof hp.trainedOn === 'object') {
    const t = hp.trainedOn as { path?: unknown; file?: unknown };
    hp.trainedOn = { ...t, ...('path' in t ? { path: rel(t.path) } : {}), ...('file' in t ? { file: rel(t.file) } : {}) };
  }
  out.hyperParameters = hp;
  // A feedback file (not a URL) given as an absolute path.
  if (card.feedback && isAbsolute(card.feedback.source)) out.feedback = { ...card.feedback, source: cardPath(root, card.feedback.source) };
  return out;
}

let seq = 0; // makes temp names unique within this process

export class ModelRegistry {
  readonly root: string;
  private readonly now: () => Date;
  private readonly onStep: NonNullable<RegistryOptions['onStep']>;

  constructor(opts: RegistryOptions = {}) {
    this.root = opts.root !== undefined ? resolve(opts.root) : defaultModelsRoot();
    this.now = opts.now ?? (() => new Date());
    this.onStep = opts.onStep ?? (() => {});
  }

  familyDir(family: string): string {
    checkFamily(family);
    return join(this.root, family);
  }

  /** `p` as cards and champion reasons record it: relative to this registry's root. */
  cardPath(p: string): string {
    return cardPath(this.root, p);
  }

  /** The families in the registry: folders with a champion pointer or at least one version folder, sorted. */
  async listFamilies(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      rethrow(e, `listing ${this.root}`);
    });
    const re = new RegExp(FAMILY_PATTERN);
    const out: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || !re.test(e.name)) continue;
      const names = await readdir(join(this.root, e.name)).catch(() => [] as string[]);
      if (names.includes(CHAMPION_FILE) || names.some((n) => new RegExp(VERSION_PATTERN).test(n))) out.push(e.name);
    }
    return out.sort();
  }

  /** Version folders of `family`, complete or not, oldest first (a folder without a valid card is incomplete). */
  async versionFolders(family: string): Promise<string[]> {
    return versionDirNames(this.familyDir(family));
  }

  /**
   * Writes a new version of `family` (the next `vNNNN`) holding the model files and card.json, atomically.
   * Its card's champion decision is 'pending' until `promoteIfBetter`. Returns the version and its card.
   */
  async save(family: string, input: SaveInput): Promise<SavedVersion> {
    const famDir = this.familyDir(family);
    const files = await collectFiles(input);
    const fileEntries = Object.keys(files)
      .sort()
      .map((name) => ({ name, bytes: files[name].byteLength, sha256: sha256(files[name]) }));
    const { createdAt, baselines, targets, ...rest } = relativeCardPaths(input.card, this.root);
    const created = createdAt ?? this.now().toISOString();
    const cardFor = (version: string): ModelCard =>
      validateCard({
        schemaVersion: CARD_SCHEMA_VERSION,
        family,
        version,
        createdAt: created,
        ...rest,
        baselines: baselines ?? {},
        targets: targets ?? defaultTargets(family, input.card.metrics),
        files: fileEntries,
        champion: { decision: 'pending', reason: 'not yet compared with the champion', comparedWith: null, decidedAt: null },
      });
    // Fail on a bad card before touching the disk.
    cardFor('v0001');

    await mkdir(famDir, { recursive: true }).catch((e) => rethrow(e, `creating ${famDir}`));
    // Version folders (`.tmp-*`) and pointer files (`.<name>.tmp-*`) left by a killed writer whose pid is gone.
    await removeStaleTemps(famDir, (prefix) => prefix === '' || prefix.startsWith('.'));
    const tmp = join(famDir, `.tmp-${process.pid}-${seq++}`);
    let version = await this.nextVersion(family);
    try {
      await mkdir(tmp);
      await this.onStep('save:files', { family, version });
      for (const f of fileEntries) await writeSynced(join(tmp, f.name), files[f.name]);
      for (let attempt = 0; ; attempt++) {
        await this.onStep('save:card', { family, version });
        const card = cardFor(version);
        // card.json goes in last: its presence marks the folder complete.
        await rm(join(tmp, CARD_FILE), { force: true });
        await writeSynced(join(tmp, CARD_FILE), cardJson(card));
        await fsyncDir(tmp);
        await this.onStep('save:rename', { family, version });
        try {
          await rename(tmp, join(famDir, version));
        } catch (e) {
          // Another writer took this number first: take the next one.
          const code = (e as NodeJS.ErrnoException).code;
          if ((code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < 100) {
            version = await this.nextVersion(family);
            continue;
          }
          throw e;
        }
        await fsyncDir(famDir);
        return { family, version, dir: join(famDir, version), card };
      }
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      rethrow(e, `saving ${family} ${version}`);
    }
  }

  /** Complete versions of `family`, oldest first ([] for an unknown family). */
  async listVersions(family: string): Promise<string[]> {
    const famDir = this.familyDir(family);
    const out: string[] = [];
    for (const name of await versionDirNames(famDir)) {
      if ((await this.readCardOrNull(family, name)) !== null) out.push(name);
    }
    return out;
  }

  /** The champion pointer, or null when the family has none yet. */
  async champion(family: string): Promise<ChampionPointer | null> {
    const path = join(this.familyDir(family), CHAMPION_FILE);
    const raw = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      rethrow(e, `reading ${path}`);
    });
    if (raw === null) return null;
    return parseChampionPointer(path, raw, family);
  }

  /** The card of a complete version (`'champion'` resolves the pointer). Throws NOT_FOUND when there is none. */
  async readCard(family: string, version: string = 'champion'): Promise<ModelCard> {
    const v = await this.resolveVersion(family, version);
    const card = await this.readCardOrNull(family, v);
    if (card === null) throw new RolloutlabError('NOT_FOUND', `model ${family} ${v} is not a complete version in ${this.familyDir(family)}`, 'version');
    return card;
  }

  /**
   * Loads a complete version: its card, its files (sha256-checked against the card) and, when it has a
   * model.json, the tfjs model. `version` defaults to the champion.
   */
  async loadModel(family: string, version: string = 'champion'): Promise<LoadedModel> {
    const v = await this.resolveVersion(family, version);
    const card = await this.readCard(family, v);
    const dir = join(this.familyDir(family), v);
    const files: Record<string, Uint8Array> = {};
    for (const f of card.files) {
      const bytes = await readFile(join(dir, f.name)).catch((e) => rethrow(e, `reading ${family} ${v}/${f.name}`));
      if (bytes.byteLength !== f.bytes || sha256(bytes) !== f.sha256) {
        throw new RolloutlabError('BAD_DATA', `${family} ${v}/${f.name} does not match its card (sha256 or size differs): the file was changed or is corrupt`, `files.${f.name}`);
      }
      files[f.name] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const loaded: LoadedModel = { family, version: v, dir, card, files };
    if (files[MODEL_JSON] !== undefined) {
      const [{ initBackend }, { modelFromFiles }] = await Promise.all([import('./backend.ts'), import('./tf-io.ts')]);
      await initBackend();
      loaded.model = await modelFromFiles(files);
    }
    return loaded;
  }

  /**
   * Makes `candidate` the champion if it is at least as good as the current one on the same held-out data
   * (ties promote); the first version of a family becomes champion unopposed. Records the decision in the
   * candidate's card and in history.jsonl. `compare` gives both metric sets or decides itself.
   */
  async promoteIfBetter(family: string, candidate: string, compare: MetricComparison | CompareFn, who?: DecisionBy): Promise<PromotionResult> {
    const card = await this.readCard(family, candidate);
    const current = await this.champion(family);
    const previous = current?.version ?? null;
    if (previous === candidate) return { family, candidate, previous, champion: candidate, promoted: true, reason: `${candidate} is already the champion` };

    let verdict: Verdict;
    if (current === null) {
      verdict = { atLeastAsGood: true, reason: 'first version: there was no champion' };
    } else {
      const championCard = await this.readCard(family, current.version);
      verdict = typeof compare === 'function' ? await compare({ candidate: card, champion: championCard }) : compareMetrics(compare, current.version);
      if (typeof verdict?.atLeastAsGood !== 'boolean' || typeof verdict.reason !== 'string') {
        throw new RolloutlabError('BAD_ARGUMENT', `compare must return { atLeastAsGood: boolean, reason: string }, got ${show(verdict)}`, 'compare');
      }
    }
    const at = this.now().toISOString();
    const decision: ChampionDecision = { decision: verdict.atLeastAsGood ? 'promoted' : 'kept', reason: verdict.reason, comparedWith: previous, decidedAt: at };
    const dir = join(this.familyDir(family), candidate);
    const famDir = this.familyDir(family);
    try {
      if (verdict.atLeastAsGood) {
        await this.onStep('promote:pointer', { family, version: candidate });
        const pointer: ChampionPointer = { family, version: candidate, since: at, reason: verdict.reason };
        await writeAside(famDir, CHAMPION_FILE, JSON.stringify(pointer, null, 2) + '\n');
      }
      // After the pointer: a crash in between leaves a 'pending' card on the new champion, never a card that
      // claims a promotion that did not happen.
      await this.onStep('promote:card', { family, version: candidate });
      await writeAside(dir, CARD_FILE, cardJson(validateCard({ ...card, champion: decision })));
      await this.onStep('promote:history', { family, version: candidate });
      const entry: HistoryEntry = { at, family, candidate, previous, decision: decision.decision as HistoryEntry['decision'], reason: verdict.reason, ...who };
      await appendSynced(join(famDir, HISTORY_FILE), JSON.stringify(entry) + '\n');
    } catch (e) {
      rethrow(e, `promoting ${family} ${candidate}`);
    }
    return { family, candidate, previous, champion: verdict.atLeastAsGood ? candidate : (previous as string), promoted: verdict.atLeastAsGood, reason: verdict.reason };
  }

  /**
   * Makes `version` (a complete version) the champion without the family's rule: `models promote --force` and
   * `models rollback`. champion.json is replaced atomically (written aside, renamed over), then the decision is
   * appended to history.jsonl with who, why and how. The version's card keeps the decision training made. Promoting
   * the current champion changes nothing and returns `promoted: false`.
   */
  async setChampion(family: string, version: string, o: DecisionBy & { reason: string }): Promise<PromotionResult> {
    if (o.reason.trim() === '') throw new RolloutlabError('BAD_ARGUMENT', 'a champion set by hand needs a reason', 'reason');
    // Only a version the server could load: a valid card and every file it lists with its size and sha256. A corrupt
    // version would otherwise become a champion that serves nothing (the server keeps its last good model).
    readVersionSync(this.root, family, version);
    const current = await this.champion(family);
    const previous = current?.version ?? null;
    if (previous === version) return { family, candidate: version, previous, champion: version, promoted: false, reason: `${version} is already the champion` };
    const at = this.now().toISOString();
    const famDir = this.familyDir(family);
    const reason = `${o.how === 'rollback' ? 'rolled back' : 'promoted by hand'} by ${o.by}: ${o.reason}`;
    try {
      await this.onStep('promote:pointer', { family, version });
      const pointer: ChampionPointer = { family, version, since: at, reason };
      await writeAside(famDir, CHAMPION_FILE, JSON.stringify(pointer, null, 2) + '\n');
      await this.onStep('promote:history', { family, version });
      const entry: HistoryEntry = { at, family, candidate: version, previous, decision: 'promoted', reason: o.reason, by: o.by, how: o.how };
      await appendSynced(join(famDir, HISTORY_FILE), JSON.stringify(entry) + '\n');
    } catch (e) {
      rethrow(e, `promoting ${family} ${version}`);
    }
    // The pointer's reason says who and how; the result's is the reason given.
    return { family, candidate: version, previous, champion: version, promoted: true, reason: o.reason };
  }

  /**
   * The champion before the current one, from history.jsonl: the champions in the order they were promoted, each
   * rollback taking the last one off. Null when the current champion is the first. BAD_DATA when the history does
   * not end at the current champion (it was edited, or the pointer was moved outside the registry).
   */
  async previousChampion(family: string): Promise<string | null> {
    const current = await this.champion(family);
    if (current === null) throw new RolloutlabError('NOT_FOUND', `model family ${family} has no champion in ${this.root}: nothing to roll back`, 'family');
    const stack: string[] = [];
    for (const h of await this.history(family)) {
      if (h.decision !== 'promoted') continue;
      if (h.how === 'rollback') {
        stack.pop();
        if (stack[stack.length - 1] !== h.candidate) stack.push(h.candidate);
      } else if (stack[stack.length - 1] !== h.candidate) stack.push(h.candidate);
    }
    if (stack[stack.length - 1] !== current.version) {
      throw new RolloutlabError('BAD_DATA', `${join(this.familyDir(family), HISTORY_FILE)} does not end at the current champion ${current.version} (it ends at ${stack[stack.length - 1] ?? 'no champion'}): cannot tell which champion came before`, HISTORY_FILE);
    }
    return stack.length >= 2 ? stack[stack.length - 2] : null;
  }

  /** Back to the champion before the current one (`previousChampion`), logged as a rollback. */
  async rollback(family: string, o: { by: string; reason: string }): Promise<PromotionResult> {
    const target = await this.previousChampion(family);
    if (target === null) throw new RolloutlabError('NOT_FOUND', `model family ${family}: its champion ${(await this.champion(family))?.version} is the first; there is no earlier champion to roll back to`, 'family');
    return this.setChampion(family, target, { by: o.by, how: 'rollback', reason: o.reason });
  }

  /** The champion decisions of `family`, oldest first. */
  async history(family: string): Promise<HistoryEntry[]> {
    const path = join(this.familyDir(family), HISTORY_FILE);
    const raw = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      rethrow(e, `reading ${path}`);
    });
    // A crash mid-append can leave a torn last line: skip what does not parse.
    const out: HistoryEntry[] = [];
    for (const line of raw.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as HistoryEntry);
      } catch {
        /* torn line */
      }
    }
    return out;
  }

  private async resolveVersion(family: string, version: string): Promise<string> {
    if (version !== 'champion') {
      if (!new RegExp(VERSION_PATTERN).test(version)) throw new RolloutlabError('BAD_ARGUMENT', `version must be 'champion' or like v0001, got ${show(version)}`, 'version');
      return version;
    }
    const ptr = await this.champion(family);
    if (ptr === null) {
      const versions = await this.listVersions(family);
      throw new RolloutlabError('NOT_FOUND', `model family ${family} has no champion in ${this.root}${versions.length ? ` (versions: ${versions.join(', ')})` : ' (no versions)'}`, 'family');
    }
    return ptr.version;
  }

  private async readCardOrNull(family: string, version: string): Promise<ModelCard | null> {
    const raw = await readFile(join(this.familyDir(family), version, CARD_FILE), 'utf8').catch(() => null);
    if (raw === null) return null;
    try {
      const card = validateCard(JSON.parse(raw));
      return card.family === family && card.version === version ? card : null;
    } catch {
      return null;
    }
  }

  /** One past the highest vNNNN folder, complete or not, so a number is never reused. */
  private async nextVersion(family: string): Promise<string> {
    const names = await versionDirNames(this.familyDir(family));
    const last = names.length ? Number(names[names.length - 1].slice(1)) : 0;
    return 'v' + String(last + 1).padStart(4, '0');
  }
}

/** Decides a MetricComparison: candidate >= champion (or <= for 'lower'); a non-finite candidate never wins. */
function compareMetrics(c: MetricComparison, championVersion: string): Verdict {
  if (c === null || typeof c !== 'object' || typeof c.metric !== 'string' || (c.better !== 'higher' && c.better !== 'lower')) {
    throw new RolloutlabError('BAD_ARGUMENT', `compare must be a function or { metric, better: 'higher' | 'lower', candidate, champion }, got ${show(c)}`, 'compare');
  }
  for (const side of ['candidate', 'champion'] as const) {
    if (typeof c[side]?.[c.metric] !== 'number') throw new RolloutlabError('BAD_ARGUMENT', `compare.${side} has no number for metric "${c.metric}"`, `compare.${side}.${c.metric}`);
  }
  const cand = c.candidate[c.metric];
  const champ = c.champion[c.metric];
  const on = c.heldOut ? ` on ${c.heldOut}` : ' on the same held-out data';
  const op = c.better === 'higher' ? '>=' : '<=';
  const ok = !Number.isFinite(cand) ? false : !Number.isFinite(champ) ? true : c.better === 'higher' ? cand >= champ : cand <= champ;
  const rel = ok ? op : c.better === 'higher' ? '<' : '>';
  return { atLeastAsGood: ok, reason: `${c.metric} ${fmt(cand)} ${rel} champion ${championVersion}'s ${fmt(champ)}${on} (${c.better} is better)` };
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x));

function defaultTargets(family: string, metrics: Record<string, number>): TargetResult[] {
  const targets = loadTargets();
  return Object.hasOwn(targets.targets, family) ? checkTargets(family, metrics, targets) : [];
}

function checkFamily(family: string): void {
  if (typeof family !== 'string' || !new RegExp(FAMILY_PATTERN).test(family)) {
    throw new RolloutlabError('BAD_ARGUMENT', `model family must be lower-case words joined by '-' (e.g. risk, change-risk), got ${show(family)}`, 'family');
  }
}

async function collectFiles(input: SaveInput): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  const nameRe = new RegExp(FILE_NAME_PATTERN);
  for (const [name, data] of Object.entries(input.files ?? {})) {
    if (!nameRe.test(name) || name === CARD_FILE) throw new RolloutlabError('BAD_ARGUMENT', `model file name must be a plain file name other than ${CARD_FILE}, got ${show(name)}`, `files.${name}`);
    if (input.model && (name === MODEL_JSON || name === WEIGHTS_BIN)) throw new RolloutlabError('BAD_ARGUMENT', `file ${name} clashes with the tf model's own files`, `files.${name}`);
    if (typeof data === 'string') out[name] = new TextEncoder().encode(data);
    else if (data instanceof Uint8Array) out[name] = data;
    else throw new RolloutlabError('BAD_ARGUMENT', `model file ${name} must be a string or Uint8Array, got ${show(data)}`, `files.${name}`);
  }
  if (input.model) {
    const { modelToFiles } = await import('./tf-io.ts');
    const m: ModelFiles = await modelToFiles(input.model, { includeOptimizer: input.includeOptimizer });
    out[MODEL_JSON] = new TextEncoder().encode(m[MODEL_JSON]);
    out[WEIGHTS_BIN] = m[WEIGHTS_BIN];
  }
  if (Object.keys(out).length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'a model version needs a model or at least one file', 'files');
  return out;
}

async function versionDirNames(famDir: string): Promise<string[]> {
  const entries = await readdir(famDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    rethrow(e, `listing ${famDir}`);
  });
  const re = new RegExp(VERSION_PATTERN);
  return entries
    .filter((e) => e.isDirectory() && re.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Creates `path` (it must not exist), writes it and fsyncs it. */
async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function appendSynced(path: string, line: string): Promise<void> {
  const fh = await open(path, 'a');
  try {
    await fh.writeFile(line);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces dir/name atomically: a synced sibling temp file renamed over it, then the folder synced. */
async function writeAside(dir: string, name: string, data: string): Promise<void> {
  const tmp = join(dir, `.${name}.tmp-${process.pid}-${seq++}`);
  try {
    await writeSynced(tmp, data);
    await rename(tmp, join(dir, name));
    await fsyncDir(dir);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Our own errors pass through; filesystem failures become IO errors naming what was being done. */
function rethrow(e: unknown, doing: string): never {
  if (e instanceof RolloutlabError) throw e;
  const err = new RolloutlabError('IO', `${doing} failed: ${e instanceof Error ? e.message : String(e)}`);
  err.cause = e;
  throw err;
}

