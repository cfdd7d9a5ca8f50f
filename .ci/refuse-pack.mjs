// The repository's `prepack`: `npm pack` or `npm publish` run in the repository would pack its
// development package.json (scripts, devDependencies, the `upshift-source` export to lib/*.ts,
// which is not shipped). The published package is built in a folder of its own instead.
process.stderr.write(
  'upshift: this is the development package.json, not the published one; not packing it.\n' +
    '  `npm run package` stages the package in package/ and packs it into upshift-<version>.tgz;\n' +
    '  publish that tarball (`npm publish upshift-<version>.tgz`) or the folder (`npm publish ./package`).\n',
);
process.exit(1);
