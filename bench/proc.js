/* global AbortSignal, fetch, process, setTimeout */ // Node globals (the lint config declares none for plain JS)
// Child processes and /proc readings for the benchmark: free ports, spawning and stopping servers,
// and memory (VmRSS, VmHWM, Pss) of a process and of its descendants. Linux only for memory; on
// other systems the memory figures are null.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (there is a small race between closing it and the child binding it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fields of /proc/<pid>/status in kB (VmRSS, VmHWM), or null when unreadable. */
export function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Proportional set size (kB) from /proc/<pid>/smaps_rollup: shared pages split among sharers. */
export function procPssKb(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** All descendants of `rootPid` (not the root itself), from the ppid field of /proc/<pid>/stat. */
export function descendants(rootPid) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid ...
      const ppid = Number(rest[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Summed memory of a set of processes: RSS (counts shared memory once per process) and Pss. */
export function groupMemory(pids) {
  let rssKb = 0;
  let pssKb = 0;
  let counted = 0;
  let pssComplete = true;
  for (const pid of pids) {
    const status = procStatus(pid);
    if (!status || status.rssKb === null) continue;
    counted++;
    rssKb += status.rssKb;
    const pss = procPssKb(pid);
    if (pss === null) pssComplete = false;
    else pssKb += pss;
  }
  if (counted === 0) return null;
  return { processes: counted, rssMb: kbToMb(rssKb), pssMb: pssComplete ? kbToMb(pssKb) : null };
}

export const kbToMb = (kb) => (kb === null || kb === undefined ? null : Math.round((kb / 1024) * 10) / 10);

/**
 * A server child process: its output goes to a log file (not a pipe, so a chatty logger never
 * blocks and the benchmark process does no work reading it). Tracked in `registry` until it exits.
 */
export class Server {
  constructor(name, { args, env, cwd, logFile, registry }) {
    this.name = name;
    this.logFile = logFile;
    this.registry = registry;
    const fd = fs.openSync(logFile, 'w');
    this.startedAt = process.hrtime.bigint();
    this.child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.pid = this.child.pid;
    this.exitCode = undefined;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        registry.delete(this);
        resolve(this.exitCode);
      });
    });
    this.child.once('error', () => registry.delete(this));
    registry.add(this);
    /** Postmaster pid files to stop if the server has to be killed (embedded PostgreSQL). */
    this.postmasterPidFiles = [];
  }

  get running() {
    return this.exitCode === undefined;
  }

  /** The last `lines` lines of the log, for error messages. */
  tail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Polls `url` until it answers 200; throws when the process exits or `timeoutMs` passes. */
  async waitReady(urls, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited (${this.exitCode}) before it was ready:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${Math.round(timeoutMs / 1000)} s:\n${this.tail()}`);
      let ok = true;
      for (const url of urls) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.status !== 200) ok = false;
        } catch {
          ok = false;
        }
        if (!ok) break;
      }
      if (ok) return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
      await sleep(50);
    }
  }

  /** SIGINT (graceful), then SIGKILL after `graceMs`; then stops any orphaned postmaster. */
  async stop(graceMs = 20_000) {
    if (this.running) {
      this.child.kill('SIGINT');
      const timer = sleep(graceMs).then(() => 'timeout');
      if ((await Promise.race([this.exited, timer])) === 'timeout' && this.running) {
        this.child.kill('SIGKILL');
        await Promise.race([this.exited, sleep(5000)]);
      }
    }
    for (const file of this.postmasterPidFiles) await stopPostmaster(file);
  }

  /** Last resort on process exit: synchronous, no waiting. */
  killNow() {
    if (this.running) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const file of this.postmasterPidFiles) {
      const pid = postmasterPid(file);
      if (pid) {
        try {
          process.kill(pid, 'SIGQUIT'); // immediate shutdown
        } catch {
          // already gone
        }
      }
    }
  }
}

function postmasterPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Stops a postmaster left behind by a killed Tessera: SIGINT (fast shutdown), then SIGQUIT. */
async function stopPostmaster(file) {
  const pid = postmasterPid(file);
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return fs.existsSync(file);
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(); i++) await sleep(100);
  if (alive()) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
}

/** Path of the embedded cluster's postmaster.pid inside a Tessera data dir. */
export const embeddedPidFile = (dataDir) => path.join(dataDir, 'pg', 'postmaster.pid');

let clockTicks = null;
/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on Linux unless told otherwise). */
function ticksPerSecond() {
  if (clockTicks === null) {
    clockTicks = 100;
    const fromEnv = Number(process.env.CLK_TCK);
    if (Number.isInteger(fromEnv) && fromEnv > 0) clockTicks = fromEnv;
  }
  return clockTicks;
}

/** CPU seconds (user + system) used so far by each of `pids`, as a Map pid → seconds. */
export function cpuSeconds(pids) {
  const out = new Map();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
      out.set(pid, (Number(f[11]) + Number(f[12])) / ticksPerSecond()); // utime (14), stime (15)
    } catch {
      // exited
    }
  }
  return out;
}

/**
 * Starts CPU accounting for groups of pids; `stop()` returns each group's average CPU use over the
 * interval in % of one core (200% = two cores busy). Processes that exit meanwhile are left out.
 */
export function cpuMeter(groups) {
  const t0 = process.hrtime.bigint();
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, cpuSeconds(pids)]));
  const self0 = process.cpuUsage();
  return {
    stop() {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const out = {};
      for (const [name, pids] of Object.entries(groups)) {
        const after = cpuSeconds(pids);
        let used = 0;
        for (const [pid, s] of after) if (before[name].has(pid)) used += s - before[name].get(pid);
        out[name] = Math.round((used / wall) * 1000) / 10;
      }
      const self = process.cpuUsage(self0);
      out.bench = Math.round(((self.user + self.system) / 1e6 / wall) * 1000) / 10;
      return out;
    },
  };
}
