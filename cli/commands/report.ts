// `rolloutlab report <dir> --out <file.html>`: one self-contained HTML page of charts from a backtest's data set, a
// model registry or a rollback drill's data set (report/index.ts says which the folder is).
import { Command } from 'commander';
import { resolve } from 'node:path';
import { out, usage } from '../flags.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('One self-contained HTML file of charts (no script, nothing fetched): from a backtest folder (backtest --out) which policy wins and why, with timelines of chosen deployments; from a model registry each family’s champion against its targets, its ROC / precision-recall / reliability diagrams and its version history; from a drill folder (drill --out) how each planner’s rollbacks fared, step by step (docs/report.md)')
    .argument('<dir>', 'a backtest folder, a drill folder or a model registry')
    .option('--out <file.html>', 'the HTML file to write (its folder must exist; an existing file is replaced)')
    .option('--models <dir>', 'backtests: the model registry learned policies (ml) are simulated again with for the timelines (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print {out, kind, charts, sections, bytes}')
    .action(async (dir: string, o: { out?: string; models?: string; json?: boolean }) => {
      if (o.out === undefined || o.out.trim() === '') throw usage('--out: give the HTML file to write, e.g. --out report.html', 'out');
      const { writeReport } = await import('../../report/index.ts');
      const { defaultModelsRoot } = await import('../../training/registry.ts');
      const r = await writeReport(dir, o.out, { modelsRoot: resolve(o.models ?? defaultModelsRoot()), fields: { dir: 'dir', out: 'out' } });
      out(!!o.json, r, `${r.kind} report written to ${r.out}: ${r.charts} charts in ${r.sections.length} sections, ${r.bytes.toLocaleString('en-US')} bytes; open it in a browser (it needs no network and no script)`);
    });
}
