// `npm run lint`'s layer check: dependency-cruiser with the rules in .dependency-cruiser.cjs over src/ and web/src/.
// Through its API rather than its `depcruise` command because the command refuses Node 20 (its engines say ^22),
// which this project still supports; the API itself runs on Node 20. Exits 1 on any error-severity violation, and
// also when nothing was parsed (no TypeScript parser available), so the check can never pass by checking nothing.
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const rules = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const tsConfig = extractTSConfig('tsconfig.json');
const cruised = await cruise(['src', 'web/src'], { ...rules, outputType: 'json' }, {}, { tsConfig });
const result = JSON.parse(cruised.output);
const report = await format(result, { outputType: 'err-long' });

process.stdout.write(report.output);
if (result.summary.totalCruised === 0) {
  process.stderr.write('check-layers: no module was parsed; is @swc/core installed (npm ci)?\n');
  process.exitCode = 1;
} else {
  process.exitCode = report.exitCode === 0 ? 0 : 1;
}
