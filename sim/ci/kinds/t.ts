// Shorthand for writing message templates in the catalogue files.
import type { CiDb, CiStep, CiSystem, Ecosystem, Template } from '../types.ts';

export interface TemplateOpts {
  eco?: readonly Ecosystem[];
  steps?: readonly CiStep[];
  ci?: readonly CiSystem[];
  tool?: readonly string[];
  db?: readonly CiDb[];
  exit?: number;
  system?: boolean;
  weight?: number;
}

export const t = (text: string, o: TemplateOpts = {}): Template => ({ text, ...o });

export const NODE = ['node'] as const;
export const PY = ['python'] as const;
export const JVM = ['jvm'] as const;
export const GO = ['go'] as const;
export const RUST = ['rust'] as const;
