// The house rules, checked by `npm run depcheck` (part of `npm test`): imports run one way, down the data flow, and
// no file takes part in an import circle. The layers, lowest first; a file may import its own layer and lower ones:
//
//   lib → datasets → sim → judges → detectors → training → policies → backtest → report → server → bench → cli, scripts
//
// DEVELOPERS.md says what each layer holds and why it sits where it does.
const LAYERS = ['lib', 'datasets', 'sim', 'judges', 'detectors', 'training', 'policies', 'backtest', 'report', 'server', 'bench', 'cli|scripts'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.replace('|', '-')}`,
  comment: `${layer}/ sits below ${LAYERS.slice(i + 1).join(', ')}: it may not import them (the data flows the other way)`,
  severity: 'error',
  from: { path: `^(${layer})/` },
  to: { path: `^(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files that import each other in a loop cannot be understood, tested or moved one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'no-test-imports-in-code',
      comment: 'code never imports the tests or their fixtures',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|out|data|models|notebooks)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
