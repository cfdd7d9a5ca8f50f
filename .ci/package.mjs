// `npm run package`: the package as published, staged in package/ and packed into upshift-<version>.tgz.
//   node .ci/package.mjs [<stageDir>] [--pack <destination>]
//
// The repository's package.json is the development one: its scripts, devDependencies and the
// `upshift-source` export condition (lib/*.ts, for the repo's own tests and scripts) mean nothing
// to an installed copy, and lib/ is not shipped. So the published package is a folder of its own,
// holding only what is shipped: dist/ (.ci/build.mjs), the `files` the repo lists, README.md, and
// a package.json derived from the repo's by a list of the fields an installed package uses.
// `npm pack <stageDir>` packs exactly that folder (it has no scripts to run). Packing the
// repository itself is refused by .ci/refuse-pack.mjs (its `prepack`), so that the development
// package.json is never what gets packed or published.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const packAt = args.indexOf('--pack');
const destination = packAt >= 0 ? resolve(args[packAt + 1] ?? '.') : undefined;
const stage = resolve(
  args.find((arg, i) => !arg.startsWith('--') && (packAt < 0 || i !== packAt + 1)) ?? join(root, 'package'),
);

/** The fields an installed package is read for (by Node, TypeScript, npm and the registry). */
const PUBLISHED_FIELDS = [
  'name',
  'version',
  'description',
  'keywords',
  'homepage',
  'bugs',
  'repository',
  'funding',
  'license',
  'author',
  'contributors',
  'type',
  'engines',
  'exports',
  'files',
  'sideEffects',
  'peerDependencies',
  'peerDependenciesMeta',
  'dependencies',
  'optionalDependencies',
];
/** Export conditions that only mean something inside this repository. */
const REPO_CONDITIONS = ['upshift-source'];

const repo = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const published = Object.fromEntries(
  PUBLISHED_FIELDS.filter((field) => field in repo).map((field) => [field, repo[field]]),
);
published.exports = withoutRepoConditions(repo.exports);
if (!repo.files?.includes('dist')) fail('the repository package.json must list "dist" in `files`');

// The stage is emptied first: never the repository or a folder that holds it.
const repoFromStage = relative(stage, root);
if (repoFromStage === '' || (!repoFromStage.startsWith('..') && !isAbsolute(repoFromStage)))
  fail(`${stage} holds the repository; give a folder of its own`);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
execFileSync(process.execPath, [join(root, '.ci/build.mjs'), join(stage, 'dist')], { stdio: 'inherit' });
for (const entry of [...repo.files.filter((file) => file !== 'dist'), 'README.md', 'LICENSE']) {
  if (existsSync(join(root, entry))) cpSync(join(root, entry), join(stage, entry), { recursive: true });
  else if (entry !== 'LICENSE') fail(`${entry}, listed in package.json \`files\`, does not exist`);
}
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
for (const target of exportTargets(published.exports)) {
  if (!existsSync(join(stage, target))) fail(`the export target ${target} was not built`);
}
process.stdout.write(`upshift: the package is staged in ${stage}\n`);

if (destination) {
  mkdirSync(destination, { recursive: true });
  // --ignore-scripts: the stage has none, and npm must not look for the repository's.
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', stage, '--json', '--ignore-scripts', '--pack-destination', destination], {
      cwd: root,
      encoding: 'utf8',
    }),
  );
  process.stdout.write(
    `upshift: packed ${join(destination, packed.filename)} (${packed.entryCount} files, ${packed.size} bytes)\n`,
  );
}

function withoutRepoConditions(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !REPO_CONDITIONS.includes(key))
      .map(([key, inner]) => [key, withoutRepoConditions(inner)]),
  );
}

function exportTargets(value) {
  if (typeof value === 'string') return [value];
  return Object.values(value ?? {}).flatMap(exportTargets);
}

function fail(message) {
  process.stderr.write(`upshift: cannot stage the package: ${message}\n`);
  process.exit(1);
}
