/** Whether a process of this host still exists, for files and claims that name their writer by pid. */

/** True when no process `pid` exists on this host (EPERM means it exists under another user). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
