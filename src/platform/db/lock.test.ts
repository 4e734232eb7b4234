import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './lock.js';

describe('data directory lock', () => {
  it('is exclusive while held, and free again once released', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-lock-'));
    const release = lockDataDir(dir);
    fs.writeFileSync(path.join(dir, 'tessera.lock'), String(process.ppid)); // as if a live parent held it
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    fs.writeFileSync(path.join(dir, 'tessera.lock'), String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'tessera.lock'))).toBe(false);
    lockDataDir(dir)();
  });
  it('takes over a lock left by a dead process', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-lock-'));
    fs.writeFileSync(path.join(dir, 'tessera.lock'), '999999999');
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'tessera.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });
});
