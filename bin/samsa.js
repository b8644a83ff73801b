#!/usr/bin/env node
// Launcher: samsa's sources are TypeScript that Node >= 24 runs directly. On an older Node, re-run
// this command with the Node 24 binary the package depends on (npm package "node"), forwarding
// arguments, stdio, signals and the exit code; so too for `samsa broker` when this Node was not
// started with the broker's flags. Plain JavaScript so any Node can read it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const mainPath = join(packageRoot, 'src', 'cli', 'main.ts');
const args = process.argv.slice(2);

function bundledNode() {
  const candidates = [
    join(packageRoot, 'node_modules', '.bin', 'node'),
    join(packageRoot, 'node_modules', 'node', 'bin', 'node'),
  ];
  try {
    // When samsa is itself a dependency, its "node" dependency may be hoisted next to it.
    const nodePackage = createRequire(join(packageRoot, 'package.json')).resolve('node/package.json');
    candidates.push(join(dirname(nodePackage), 'bin', 'node'));
  } catch {
    // not installed: fall through to the error below
  }
  return candidates.find((candidate) => existsSync(candidate));
}

/** The flags a broker process starts with (bin/broker-node-flags says why): one per line, # comments. */
function brokerNodeFlags() {
  const text = readFileSync(join(packageRoot, 'bin', 'broker-node-flags'), 'utf8');
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line !== '');
}

const major = Number(process.versions.node.split('.')[0]);
const nodeFlags = args[0] === 'broker' ? brokerNodeFlags() : [];
if (major >= REQUIRED_MAJOR && nodeFlags.every((flag) => process.execArgv.includes(flag))) {
  const { main } = await import(mainPath);
  process.exit(await main(args));
} else {
  // An older Node, or a broker that needs its flags: run again, as a child that gets both right.
  const node = major >= REQUIRED_MAJOR ? process.execPath : bundledNode();
  if (node === undefined) {
    process.stderr.write(`samsa: needs Node.js >= ${REQUIRED_MAJOR} (this is ${process.version}); run npm install in ${packageRoot} or install Node ${REQUIRED_MAJOR}\n`);
    process.exit(1);
  }
  const child = spawn(node, [...nodeFlags, mainPath, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    process.stderr.write(`samsa: cannot run ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // Die the same way, so callers see the signal.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
