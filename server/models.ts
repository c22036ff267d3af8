// The models the server answers with: one immutable snapshot of every family's champion, swapped in as a whole.
//
// `reload()` reads each family's champion from the registry (synchronously, checked against its card's sha256, see
// training/load.ts) and builds a new snapshot. A family whose champion is missing, corrupt or incompatible
// with this code keeps its last good model in the new snapshot, and the reason is kept beside it for /v1/status. A
// request takes the snapshot once at its start, so it sees one consistent set of models even while a reload runs.
//
// `watch(ms)` polls every family's champion pointer (<root>/<family>/champion.json: the registry swaps it by rename
// once a new version is complete) and reloads when one appears, changes or disappears. Polling a few small files is
// portable (fs.watch misses renames on some file systems and cannot watch a folder that does not exist yet).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CHAMPION_FILE } from '../training/registry.ts';
import { FAMILIES as FAMILY_ROWS, FAMILY_NAMES, FOLDER_FAMILIES, type Family, type FamilyRow, type ModelOf } from '../training/families.ts';

/** The families served: every row of training/families.ts, in its order. */
export const FAMILIES: readonly Family[] = FAMILY_NAMES;
export type { Family };

export interface Loaded<M> {
  model: M;
  version: string;
  loadedAt: string;
}

/** Every family's loaded champion (null: none), with the load errors; one immutable value. */
export type Snapshot = {
  readonly seq: number;
  readonly at: string | null;
  /** Per family: why the last load failed (null: it succeeded). */
  readonly errors: Readonly<Record<Family, string | null>>;
} & { readonly [F in Family]: Loaded<ModelOf<F>> | null };

/** One value per family. */
const perFamily = <T>(f: (family: Family) => T): Record<Family, T> => Object.fromEntries(FAMILIES.map((x) => [x, f(x)])) as Record<Family, T>;

/**
 * Registry folders to serve a family's champion from instead of the family's own (`{ risk: 'risk-history' }`: the risk
 * model trained on the team's imported history). Only the folders training/families.ts FOLDER_FAMILIES lists for the
 * family are accepted.
 */
export type ModelFolders = Partial<Record<Family, string>>;

/** Checks `folders` against FOLDER_FAMILIES; throws a RangeError naming the folder otherwise. */
export function checkModelFolders(folders: ModelFolders): ModelFolders {
  for (const [family, folder] of Object.entries(folders)) {
    if (!FAMILIES.includes(family as Family)) throw new RangeError(`unknown model family ${JSON.stringify(family)} (expected one of ${FAMILIES.join(', ')})`);
    if (folder !== family && FOLDER_FAMILIES[folder as string] !== family) {
      const allowed = Object.entries(FOLDER_FAMILIES).filter(([, f]) => f === family).map(([d]) => d);
      throw new RangeError(`the ${family} champion cannot be served from the registry folder ${JSON.stringify(folder)} (${allowed.length ? `expected ${[family, ...allowed].join(' or ')}` : `only from ${family}`})`);
    }
  }
  return folders;
}

/** What identifies each family's champion pointer on disk (inode, size, modification time; 'none' when absent). */
export function championSignature(root: string, folders: ModelFolders = {}): string {
  return FAMILIES.map((f) => {
    try {
      const s = statSync(join(root, folders[f] ?? f, CHAMPION_FILE), { bigint: true });
      return `${f}:${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch {
      return `${f}:none`;
    }
  }).join('|');
}

export interface WatchState {
  /** Poll interval in milliseconds. */
  intervalMs: number;
  /** Reloads the watcher started (registry changes seen). */
  reloads: number;
  /** When the pointers were last checked (ISO 8601). */
  lastCheck: string | null;
}

export class ModelStore {
  private current: Snapshot;
  private watcher: { timer: NodeJS.Timeout; state: WatchState; signature: string } | null = null;

  /** The registry folder each family's champion is read from. */
  readonly folders: Readonly<Record<Family, string>>;

  constructor(
    readonly root: string,
    private readonly now: () => Date = () => new Date(),
    folders: ModelFolders = {},
  ) {
    checkModelFolders(folders);
    this.folders = Object.freeze(perFamily((f) => folders[f] ?? f));
    this.current = Object.freeze({ seq: 0, at: null, ...perFamily(() => null), errors: Object.freeze(perFamily(() => 'not loaded yet')) }) as Snapshot;
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** The registry watcher's state (null: not watching). */
  get watching(): WatchState | null {
    return this.watcher ? { ...this.watcher.state } : null;
  }

  /**
   * Reload whenever a champion pointer changes, checking every `intervalMs`; `onReload` hears the families that
   * changed (possibly none: a pointer moved to a corrupt version keeps the last good model, and status says why).
   * The timer does not keep the process alive. Call `unwatch()` to stop.
   */
  watch(intervalMs: number, onReload?: (changed: Family[]) => void): void {
    if (!(intervalMs > 0)) throw new RangeError(`watch interval must be a positive number of milliseconds (got ${intervalMs})`);
    this.unwatch();
    const state: WatchState = { intervalMs, reloads: 0, lastCheck: null };
    const w = { state, signature: championSignature(this.root, this.folders), timer: undefined as unknown as NodeJS.Timeout };
    w.timer = setInterval(() => {
      state.lastCheck = this.now().toISOString();
      const sig = championSignature(this.root, this.folders);
      if (sig === w.signature) return;
      w.signature = sig;
      state.reloads++;
      const changed = this.reload();
      onReload?.(changed);
    }, intervalMs);
    w.timer.unref();
    this.watcher = w;
  }

  unwatch(): void {
    if (this.watcher) clearInterval(this.watcher.timer);
    this.watcher = null;
  }

  /** Loads every family's champion; returns the families whose version changed. Never throws. */
  reload(): Family[] {
    const prev = this.current;
    const at = this.now().toISOString();
    const next = { ...prev, seq: prev.seq + 1, at, errors: perFamily((): string | null => null) } as { -readonly [K in keyof Snapshot]: Snapshot[K] };
    const errors = next.errors as Record<Family, string | null>;
    const changed: Family[] = [];
    for (const f of FAMILIES) {
      const old = prev[f];
      try {
        const folder = this.folders[f];
        const r = (FAMILY_ROWS[f] as FamilyRow<ModelOf<typeof f>>).loadSync(this.root, folder);
        const where = folder === f ? this.root : join(this.root, folder);
        if (r === null) {
          errors[f] = old ? `no ${f} champion in ${where} any more; still serving ${old.version}` : `no ${f} champion in ${where}`;
          continue;
        }
        if (old && old.version === r.version) {
          // Same version re-read (its files verified again): keep the loaded object.
          continue;
        }
        (next as Record<Family, unknown>)[f] = { model: r.model, version: r.version, loadedAt: at };
        changed.push(f);
      } catch (e) {
        const msg = (e as Error).message ?? String(e);
        errors[f] = old ? `${msg}; still serving ${old.version}` : msg;
      }
    }
    Object.freeze(next.errors);
    this.current = Object.freeze(next);
    return changed;
  }
}
