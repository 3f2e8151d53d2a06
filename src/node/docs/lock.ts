/**
 * Serializes index writers. Inside a process a promise chain (mutex) orders the admin API's
 * writes; across processes (the server, `npm run docs`, `npm run index`) a lock file
 * `index/.write.lock` holds the writer's pid. A lock whose process is gone (killed mid-build)
 * is taken over, so a crash never wedges later writes.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/errors';

export const LOCK_FILE = '.write.lock';

/** Runs tasks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Nonces of the locks this process holds: a lock with our pid but another nonce was left by an
 * earlier process that had the same pid (a restarted container), so it is stale. */
const heldNonces = new Set<string>();

function nonceOf(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/)[1] ?? null;
  } catch {
    return null;
  }
}

/** The pid in the lock file; null when the file is gone or not written yet. */
function holder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

export interface FileLock {
  release(): void;
}

/**
 * Takes the index write lock, waiting up to `waitMs` for a live holder; a dead holder's lock is
 * broken at once. Throws AppError 409 when the wait runs out.
 */
export async function acquireIndexLock(indexDir: string, opts: { waitMs?: number; pollMs?: number } = {}): Promise<FileLock> {
  mkdirSync(indexDir, { recursive: true });
  const path = join(indexDir, LOCK_FILE);
  const deadline = Date.now() + (opts.waitMs ?? 60_000);
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      const nonce = randomBytes(8).toString('hex');
      writeSync(fd, `${process.pid} ${nonce} ${new Date().toISOString()}\n`);
      closeSync(fd);
      heldNonces.add(nonce);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          heldNonces.delete(nonce);
          if (nonceOf(path) === nonce) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = holder(path);
    const ours = pid === process.pid && heldNonces.has(nonceOf(path) ?? '');
    // Our pid with a nonce we do not hold: left by an earlier process that had this pid.
    const earlierIncarnation = pid === process.pid && !ours;
    // An empty lock file is a writer between creating and filling it, unless it is old.
    if (earlierIncarnation || (pid === null && ageMs(path) > 5000) || (pid !== null && pid !== process.pid && !alive(pid))) {
      // The writer died: break its lock and try again.
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new AppError('conflict', `another index write is running (pid ${pid ?? '?'}); try again when it has finished`, 409);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}

/** Runs `task` holding the index write lock. */
export async function withIndexLock<T>(indexDir: string, task: () => Promise<T>, opts?: { waitMs?: number }): Promise<T> {
  const lock = await acquireIndexLock(indexDir, opts);
  try {
    return await task();
  } finally {
    lock.release();
  }
}
