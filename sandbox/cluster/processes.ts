// Starts the sandbox's processes and stops all of them through one code path, whether the run
// succeeds, fails or is interrupted (Ctrl-C): nothing the sandbox started outlives it.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface Started {
    readonly name: string;
    readonly child: ChildProcess;
    readonly log: string;
}

export class Supervisor {
    private readonly started: Started[] = [];
    private readonly cleanups: (() => Promise<void> | void)[] = [];
    private readonly firsts: (() => Promise<void> | void)[] = [];
    private stopping?: Promise<void>;
    private readonly onSignal = (signal: NodeJS.Signals) => {
        void this.stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    // Last resort if the process exits without stopAll: kill synchronously.
    private readonly onExit = () => {
        for (const s of this.started) if (s.child.exitCode === null) s.child.kill("SIGKILL");
    };

    constructor(readonly logDir: string) {
        fs.mkdirSync(logDir, { recursive: true });
        process.once("SIGINT", this.onSignal);
        process.once("SIGTERM", this.onSignal);
        process.once("exit", this.onExit);
    }

    /** Starts `command` with its output in `<logDir>/<name>.log`; a process that dies early is reported with its log. */
    start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
        const log = path.join(this.logDir, `${name}.log`);
        const fd = fs.openSync(log, "a");
        // Its own process group: a terminal's Ctrl-C reaches only the sandbox's node process, which
        // then destroys the stack while the cluster still runs, and stops these itself.
        const child = spawn(command, [...args], { env: { ...process.env, ...env }, stdio: ["ignore", fd, fd], detached: true });
        fs.closeSync(fd);
        const s = { name, child, log };
        this.started.push(s);
        child.on("error", (err) => fs.appendFileSync(log, `\n[sandbox] could not start ${command}: ${err.message}\n`));
        return s;
    }

    /** Registers work to undo at stop (servers, temp dirs), run in reverse order after the processes stop. */
    onStop(fn: () => Promise<void> | void): void {
        this.cleanups.push(fn);
    }

    /** Registers work to do before anything stops (e.g. `pulumi destroy` while the cluster still runs). */
    beforeStop(fn: () => Promise<void> | void): void {
        this.firsts.push(fn);
    }

    /** Throws with the last lines of its log if the process has exited. */
    assertRunning(s: Started): void {
        if (s.child.exitCode !== null || s.child.signalCode !== null) {
            throw new Error(`${s.name} exited (${s.child.exitCode ?? s.child.signalCode}); last lines of ${s.log}:\n${tail(s.log, 20)}`);
        }
    }

    stopAll(): Promise<void> {
        this.stopping ??= (async () => {
            process.removeListener("SIGINT", this.onSignal);
            process.removeListener("SIGTERM", this.onSignal);
            for (const fn of this.firsts) {
                try {
                    await fn();
                } catch (err) {
                    console.error(`[sandbox] before stop: ${(err as Error).message}`);
                }
            }
            // Reverse order: controllers before the API server, the API server before etcd.
            for (const s of [...this.started].reverse()) await stop(s.child);
            for (const fn of [...this.cleanups].reverse()) {
                try {
                    await fn();
                } catch (err) {
                    console.error(`[sandbox] cleanup failed: ${(err as Error).message}`);
                }
            }
            process.removeListener("exit", this.onExit);
        })();
        return this.stopping;
    }
}

async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
}

export function tail(file: string, lines: number): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

/**
 * A free loopback port for a process to listen on, from 20000-29999: below the kernel's range of
 * source ports for outgoing connections (ip_local_port_range, 32768-60999 by default) and
 * Kubernetes' NodePort range (30000-32767, where the kube-proxy stand-in listens). A port the
 * kernel chose (listen on 0) lies in the source-port range, so a controller's connection to the API
 * server could take it before the process meant to listen on it did (seen in CI:
 * notification-controller's "bind: address already in use"). Never the same port twice in one
 * process; each is checked free by listening on it.
 */
export async function freePort(): Promise<number> {
    const low = 20000;
    const high = Math.min(30000, sourcePortsFrom());
    for (let i = 0; high - low >= 1000 && i < 200; i++) {
        const port = low + Math.floor(Math.random() * (high - low));
        if (handedOut.has(port)) continue;
        handedOut.add(port);
        if (await listensOn(port)) return port;
    }
    const any = await listensOn(0);
    if (any === false) throw new Error("no free loopback port");
    return any;
}

const handedOut = new Set<number>();

/** The lowest source port the kernel gives outgoing connections. */
function sourcePortsFrom(): number {
    try {
        return Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
    } catch {
        return 32768;
    }
}

/** Listens on 127.0.0.1:port and closes again: the port it got, or false if it was taken. */
function listensOn(port: number): Promise<number | false> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => {
            const got = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(got));
        });
    });
}

/** Polls `check` until it returns a value, or throws after `timeoutMs` with `what` and the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (err) {
            last = (err as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
