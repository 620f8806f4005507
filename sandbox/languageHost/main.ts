// `pulumi-language-nodejs` for the sandbox: Pulumi's Go language host is not served by the module
// proxy here, so this stands in for it (sandbox/bin/pulumi-language-nodejs runs the compiled file).
// Started by the engine like the real one: flags, then the engine's address; prints the port it
// serves the LanguageRuntime service on, and serves until the engine interrupts it.
import * as grpc from "@grpc/grpc-js";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import { NodeLanguageHost } from "./host";
import { MirrorsVersion } from "./options";

interface Flags {
    tracing: string;
    runtime: string;
    version: boolean;
    args: string[];
}

/** Go's flag package over the real host's flags (and glog's, which the engine passes to plugins). */
export function parseFlags(argv: readonly string[]): Flags {
    const flags: Flags = { tracing: "", runtime: "nodejs", version: false, args: [] };
    const stringFlags = new Set(["tracing", "runtime", "v", "vmodule", "log_dir", "log_backtrace_at", "stderrthreshold"]);
    const boolFlags = new Set(["version", "logtostderr", "alsologtostderr"]);
    let i = 0;
    for (; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") {
            i++;
            break;
        }
        if (!arg.startsWith("-") || arg === "-") break;
        const body = arg.replace(/^--?/, "");
        const eq = body.indexOf("=");
        const name = eq < 0 ? body : body.slice(0, eq);
        if (boolFlags.has(name)) {
            const value = eq < 0 ? "true" : body.slice(eq + 1);
            if (name === "version") flags.version = value === "true" || value === "1";
        } else if (stringFlags.has(name)) {
            let value: string;
            if (eq >= 0) value = body.slice(eq + 1);
            else {
                if (i + 1 >= argv.length) throw new Error(`flag needs an argument: -${name}`);
                value = argv[++i];
            }
            if (name === "tracing") flags.tracing = value;
            if (name === "runtime") flags.runtime = value;
        } else {
            throw new Error(`flag provided but not defined: -${name}`);
        }
    }
    flags.args = argv.slice(i);
    return flags;
}

function main(): void {
    let flags: Flags;
    try {
        flags = parseFlags(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(2);
    }
    if (flags.version) {
        console.log(MirrorsVersion);
        process.exit(0);
    }
    if (flags.runtime !== "nodejs") {
        // The real host also runs `bun`; the sandbox has no bun.
        process.stderr.write(`error: unsupported runtime: ${flags.runtime}\n`);
        process.exit(1);
    }

    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        await host.stopChildren();
        server.forceShutdown();
        process.exit(0);
    };
    const host = new NodeLanguageHost({ engineAddress: flags.args[0] ?? "", tracing: flags.tracing }, () => void stop());
    if (host.engineAddress !== "") host.startHealthcheck(host.engineAddress);
    server.addService(langrpc.LanguageRuntimeService as unknown as grpc.ServiceDefinition, host.service() as grpc.UntypedServiceImplementation);
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) {
            process.stderr.write(`error: could not start language host RPC server: ${err.message}\n`);
            process.exit(1);
        }
        // The engine reads this one line to find us.
        process.stdout.write(`${port}\n`);
    });
}

if (require.main === module) main();
