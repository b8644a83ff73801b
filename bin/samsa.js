#!/bin/sh
":" //; f=$(readlink -f "$0" 2>/dev/null || printf %s "$0"); r=${f%/bin/*}; for n in "$r/node_modules/.bin/node" "$r/node_modules/node/bin/node" "$r/../node/bin/node"; do [ -x "$n" ] && exec "$n" "$f" "$@"; done; exec node "$f" "$@"
// The line above is for sh, and a string and a comment for JavaScript: run as a program (`samsa`,
// bin/samsa.js), sh execs the Node 24 the package depends on (or the one on PATH) on this file, so
// an older Node on PATH never runs it and no process stays between the user and the command.
//
// Launcher: samsa's sources are TypeScript that Node >= 24 runs directly. `samsa broker` needs the
// flags in bin/broker-node-flags, so it replaces this process (execve) with Node started with them:
// the PID the user got is the broker's, as kafka-server-start.sh execs the JVM, and a SIGKILL to it
// stops the broker. Only when an older Node without execve is asked to run this file (`node16
// bin/samsa.js`) does the command run in a child; that child stops when this process dies, however
// it dies. Plain JavaScript so any Node can read it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
/** Set in a child this launcher spawned: the fd of a pipe whose other end this launcher holds. */
const LAUNCHER_PIPE_ENV = 'SAMSA_LAUNCHER_PIPE_FD';
const selfPath = fileURLToPath(import.meta.url);
const packageRoot = join(dirname(selfPath), '..');
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

/**
 * In a child of an older Node's launcher: stop as if asked (SIGTERM, so a broker closes cleanly)
 * when the launcher is gone, which the pipe tells by its end even after a SIGKILL.
 */
function stopWithLauncher() {
  const fd = Number(process.env[LAUNCHER_PIPE_ENV]);
  if (!Number.isInteger(fd)) return;
  delete process.env[LAUNCHER_PIPE_ENV];
  const pipe = new Socket({ fd, readable: true, writable: false });
  pipe.on('error', () => {}).on('close', () => process.kill(process.pid, 'SIGTERM')).resume().unref();
}

const major = Number(process.versions.node.split('.')[0]);
const nodeFlags = args[0] === 'broker' ? brokerNodeFlags() : [];
if (major >= REQUIRED_MAJOR && nodeFlags.every((flag) => process.execArgv.includes(flag))) {
  stopWithLauncher();
  const { main } = await import(mainPath);
  process.exit(await main(args));
}

const node = major >= REQUIRED_MAJOR ? process.execPath : bundledNode();
if (node === undefined) {
  process.stderr.write(`samsa: needs Node.js >= ${REQUIRED_MAJOR} (this is ${process.version}); run npm install in ${packageRoot} or install Node ${REQUIRED_MAJOR}\n`);
  process.exit(1);
}
if (typeof process.execve === 'function') {
  try {
    process.execve(node, [node, ...nodeFlags, mainPath, ...args], process.env);
  } catch (error) {
    process.stderr.write(`samsa: cannot run ${node}: ${error.message}\n`);
    process.exit(1);
  }
}

// An older Node with no execve: run this file again in a child under Node 24, forwarding stdio,
// signals and the exit code; fd 3 is the pipe that lets the child see this process die.
const child = spawn(node, [...nodeFlags, selfPath, ...args], {
  stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  env: { ...process.env, [LAUNCHER_PIPE_ENV]: '3' },
});
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
