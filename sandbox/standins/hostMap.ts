// Name resolution for the sandbox's made-up hosts, in node processes only. GitHub Enterprise Cloud
// with data residency answers at https://api.<subdomain>.ghe.com/ (port 443); offline, that name
// resolves nowhere and port 443 needs root. This shim sends a connection to "host:port" in the map
// to a loopback port instead, while TLS still checks the certificate against the original name,
// and trusts the sandbox CA (sandboxTls.ts) for the mapped names only.
//
// It patches net.Socket.prototype.connect (where node's http, https and fetch/undici connections
// all end) and tls.connect (to add the CA when the caller gave none). Covers: the process that
// calls installHostMap (the test process: the Automation API's inline program runs there) and node
// processes started with hostMapEnv() (the program's provider plugin, the stand-in provider
// plugins). Not Go programs (notification-controller, the Pulumi engine, the real provider), not curl.
import * as fs from "fs";
import * as net from "net";
// The default import is the module object itself (`import * as` gives a wrapper with read-only
// properties): its `connect` is what gets patched.
import tls from "tls";

/** "host:port" → "127.0.0.1:port" (host names are case-insensitive). */
export type HostMap = Readonly<Record<string, string>>;

/** The environment variables a child process reads: the map (JSON) and the CA file. */
export const HostMapVariable = "FLUX_PUSH_SANDBOX_HOSTS";
export const HostMapCaVariable = "FLUX_PUSH_SANDBOX_CA";

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;
const originalConnect = net.Socket.prototype.connect as unknown as Connect;
const originalTlsConnect = tls.connect;
let active: { map: Map<string, { host: string; port: number }>; ca?: string } | undefined;

function parseTarget(target: string): { host: string; port: number } {
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) throw new Error(`host map: target ${target} is not host:port`);
    return { host: m[1], port: Number(m[2]) };
}

/** Where a connection to host:port goes instead, if the map names it. */
export function mapped(host: string | undefined, port: number | string | undefined): { host: string; port: number } | undefined {
    if (!active || host === undefined || port === undefined) return undefined;
    return active.map.get(`${host.toLowerCase()}:${Number(port)}`);
}

/**
 * Installs (or replaces) the map in this process; `caPem` is trusted for the mapped names when a
 * caller gives no CA of its own. Returns a function that removes the patches.
 */
export function installHostMap(map: HostMap, caPem?: string): () => void {
    active = { map: new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), parseTarget(v)])), ca: caPem };
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
        // node passes (options, cb), (port, host, cb), or one array of already-normalized arguments
        // [options, cb] (net.createConnection); a mapped call is re-made as (options, cb).
        const normalized = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
        const [first, ...rest] = normalized;
        const callback = rest.filter((a) => typeof a === "function");
        if (typeof first === "object" && first !== null) {
            const options = first as net.TcpSocketConnectOpts;
            const to = mapped(options.host ?? "localhost", options.port);
            // A copy: tls keeps the caller's options (host included) to check the certificate's name.
            if (to) return originalConnect.call(this, { ...options, host: to.host, port: to.port }, ...callback);
        } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
            const to = mapped(typeof rest[0] === "string" ? rest[0] : "localhost", first);
            if (to) return originalConnect.call(this, { host: to.host, port: to.port }, ...callback);
        }
        return originalConnect.apply(this, args);
    } as unknown as typeof net.Socket.prototype.connect;
    (tls as { connect: typeof tls.connect }).connect = function (...args: unknown[]): tls.TLSSocket {
        const [first, ...rest] = args;
        if (active?.ca && typeof first === "object" && first !== null) {
            const o = first as tls.ConnectionOptions;
            if (mapped(o.servername || o.host, o.port ?? 443) && o.ca === undefined && o.secureContext === undefined) {
                return (originalTlsConnect as (...a: unknown[]) => tls.TLSSocket)({ ...o, ca: [...tls.rootCertificates, active.ca] }, ...rest);
            }
        }
        return (originalTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
    } as typeof tls.connect;
    return () => {
        net.Socket.prototype.connect = originalConnect as unknown as typeof net.Socket.prototype.connect;
        (tls as { connect: typeof tls.connect }).connect = originalTlsConnect;
        active = undefined;
    };
}

/**
 * The environment a node child process needs to use the map: NODE_OPTIONS requiring this file
 * (compiled: sandbox/dist/standins/hostMap.js), the map, and the CA (also as NODE_EXTRA_CA_CERTS).
 */
export function hostMapEnv(map: HostMap, compiledShim: string, caFile: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const existing = base.NODE_OPTIONS ? `${base.NODE_OPTIONS} ` : "";
    return {
        // NODE_OPTIONS takes double-quoted values (a path with spaces).
        NODE_OPTIONS: `${existing}--require ${JSON.stringify(compiledShim)}`,
        [HostMapVariable]: JSON.stringify(map),
        [HostMapCaVariable]: caFile,
        NODE_EXTRA_CA_CERTS: caFile,
    };
}

// Required with `node --require .../hostMap.js` in a process given hostMapEnv(): install its map.
const fromEnv = process.env[HostMapVariable];
if (fromEnv && !active) {
    const caFile = process.env[HostMapCaVariable];
    installHostMap(JSON.parse(fromEnv) as HostMap, caFile ? fs.readFileSync(caFile, "utf8") : undefined);
}
