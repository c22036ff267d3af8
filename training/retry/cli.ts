// Placeholder: the retry family's train / evaluate commands are not in this branch. The row in training/families.ts
// needs a module to point at; calling either command says so.
import { RolloutlabError } from '../../lib/errors.ts';
import type { FamilyCommands } from '../family-commands.ts';

const missing = (): never => {
  throw new RolloutlabError('NOT_FOUND', 'the retry family\'s train and evaluate commands are not in this branch', 'family');
};

export const retryCommands: FamilyCommands = {
  train: async () => missing(),
  evaluate: async () => missing(),
};
