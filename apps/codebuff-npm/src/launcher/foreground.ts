import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * True when this process is in the foreground process group of a terminal, i.e. when a Ctrl-C
 * typed there is delivered by the terminal to every process of the group, the binary (spawned
 * into the launcher's group) included.
 *
 * Why ask this instead of forwarding every SIGINT and letting the binary handle duplicates:
 * a CLI commonly treats a second Ctrl-C as "really quit now", so forwarding a terminal's Ctrl-C
 * would turn one keypress into two. Node does not tell who sent a signal (no siginfo), but it
 * can tell whether the terminal could have: if we are not in its foreground group (no terminal,
 * a background job, a supervisor or IDE that started us on pipes or with setsid), the SIGINT was
 * sent to our pid alone and must be passed on. Asked at signal time: `fg`/`bg` change the answer.
 */
export function inTerminalForeground(): boolean {
  try {
    if (process.platform === 'linux') {
      // /proc/self/stat: "pid (comm) state ppid pgrp session tty_nr tpgid ..."; comm may hold spaces.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      const tpgid = Number(fields[5]);
      return tpgid > 0 && tpgid === pgrp;
    }
    const out = execFileSync('ps', ['-o', 'pgid=,tpgid=', '-p', String(process.pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    });
    const [pgid, tpgid] = out.trim().split(/\s+/).map(Number);
    return tpgid > 0 && tpgid === pgid;
  } catch {
    // Cannot tell: assume a terminal if any stdio is one (the duplicate is the lesser harm there).
    return Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  }
}
