// Temp dirs for tests, all removed when the run ends (a test leaves nothing behind).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];

/** A new empty dir under the OS temp dir, removed after the whole mocha run. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

/** Removes every dir tempDir made so far. */
export function removeTempDirs(): void {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

// A root-level hook: mocha runs it once, after every suite of the run.
after(removeTempDirs);
