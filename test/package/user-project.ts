// Builds a fresh project that installs the packed harness as a user's would:
// its own package.json (the tarball and mocha as dev dependencies), a lock
// file, and `npm ci --offline`, so the install needs no network: every
// dependency's version and integrity come from this repository's lock file,
// and npm finds their tarballs in its cache, where this repository's own
// `npm ci` left them.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

export interface Run {
  code: number;
  out: string;
}

/** Runs a command in the user's project, as they would type it there; resolves to its exit code and output. */
export function run(cwd: string, command: string, args: string[]): Promise<Run> {
  // The machine's environment, less what `npm test` adds: the user types these in their own project.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'INIT_CWD' && k !== 'RAFT_MODULE' && k !== 'NODE_OPTIONS'),
  );
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      // Judged as text: a CI that forces colour (FORCE_COLOR) puts escapes between mocha's ✔ and the title.
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out: stripVTControlCharacters(`${stdout}${stderr}`) });
    });
  });
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

/** Packs the repository into `dir`; resolves to the tarball's path. */
export function packHarness(root: string, dir: string): string {
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  return join(dir, info?.filename ?? '');
}

/**
 * Writes package.json and package-lock.json of a project that dev-depends
 * on the tarball and on mocha.
 */
export function writeUserProject(root: string, dir: string, tarball: string): void {
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string> };
  // allowScripts as the README advises: esbuild's postinstall reviewed (it is not needed), so the install warns of nothing.
  const pkg = {
    name: 'my-raft',
    version: '1.0.0',
    private: true,
    type: 'module',
    scripts: { test: 'mocha' },
    devDependencies: { mocha: ours.devDependencies['mocha'] as string },
    allowScripts: { esbuild: false },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  addHarness(root, dir, tarball);
}

/**
 * What `npm install --save-dev <tarball>` does to the project in `dir`, less
 * the install itself: the harness added to its package.json's
 * devDependencies (everything else left as it is), and a lock file for all
 * of its dependencies, the harness's and mocha's drawn from this
 * repository's lock file. Then `npm ci --offline` or `npm install
 * --offline` installs them with no registry: npm resolves nothing (the lock
 * file says it all) and finds every tarball in its cache. Called again
 * after `raft-harness init` added mocha, it stands for the `npm install`
 * that init asks for.
 */
export function addHarness(root: string, dir: string, tarball: string): void {
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
    engines: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const spec = `file:${basename(tarball)}`;
  pkg.devDependencies = { ...pkg.devDependencies, [ours.name]: spec };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  const packages: Record<string, LockEntry> = {
    '': {
      name: pkg.name,
      version: pkg.version,
      ...(pkg.dependencies !== undefined && { dependencies: pkg.dependencies }),
      devDependencies: pkg.devDependencies,
    },
    [`node_modules/${ours.name}`]: {
      version: ours.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dev: true,
      dependencies: ours.dependencies,
      bin: ours.bin,
      engines: ours.engines,
    },
  };
  // Everything the harness and the project's other dependencies need, found as Node finds it: nested first, then hoisted.
  const visit = (from: string, name: string, optional: boolean): void => {
    let base = from;
    for (;;) {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      const entry = lock.packages[path];
      if (entry !== undefined) {
        if (packages[path] !== undefined) return;
        packages[path] = { ...entry, dev: true };
        for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
        for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
        return;
      }
      if (base === '') break;
      const at = base.lastIndexOf('/node_modules/');
      base = at < 0 ? '' : base.slice(0, at);
    }
    if (!optional) throw new Error(`the lock file has no ${name} for ${from || 'the project'}`);
  };
  for (const dep of Object.keys(ours.dependencies)) visit(`node_modules/${ours.name}`, dep, false);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) if (dep !== ours.name) visit('', dep, false);
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}
