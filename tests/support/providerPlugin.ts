// The project's provider plugin (plugin/), started as the engine starts it (the language host's
// RunPlugin runs @pulumi/pulumi's cmd/run-plugin, which requires plugin/ by its package.json),
// and called over gRPC as the engine calls it. Asynchronous throughout: the GitHub stand-in the
// tests start answers from this process.
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ProviderPackage } from "../../resources/lifecycle";

const repoRoot = path.join(__dirname, "..", "..");

export interface PluginClient {
    /** Configure with the provider's arguments, as the engine sends an explicit provider's inputs (secrets wrapped). */
    configure(args?: Record<string, unknown>): Promise<provproto.ConfigureResponse>;
    create(type: string, name: string, properties: Record<string, unknown>): Promise<{ id: string; properties: Record<string, unknown> }>;
    /** Delete, with the state's outputs as the engine sends them. */
    delete(type: string, name: string, id: string, properties: Record<string, unknown>): Promise<void>;
    /** Stops the plugin process and closes the channel. */
    stop(): Promise<void>;
    /** What the plugin wrote to stderr so far. */
    stderr(): string;
}

/** The plugin's directory (PulumiPlugin.yaml, package.json `main`). */
export const pluginDir = path.join(repoRoot, "plugin");

/**
 * `node <run-plugin> plugin/` with the engine's address (none here: the plugin logs to stderr
 * then). `dir`: another checkout's plugin directory (the start-time benchmark's "before").
 */
export async function startProviderPlugin(env: NodeJS.ProcessEnv = process.env, dir: string = pluginDir): Promise<PluginClient> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [dir] });
    const child: ChildProcess = spawn(process.execPath, [runPlugin, dir], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^(\d+)\n/.exec(out);
            if (m) resolve(Number(m[1]));
        });
        child.on("exit", (code) => reject(new Error(`the ${ProviderPackage} plugin exited ${code} before it served:\n${out}${stderr}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = <Req, Res>(method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req) =>
        new Promise<Res>((resolve, reject) => method.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
    return {
        configure: (args) => {
            const req = new provproto.ConfigureRequest();
            req.setAcceptsecrets(true);
            req.setAcceptresources(true);
            if (args !== undefined) req.setArgs(Struct.fromJavaScript(args as Parameters<typeof Struct.fromJavaScript>[0]));
            return call(client.configure, req);
        },
        async create(type, name, properties) {
            const req = new provproto.CreateRequest();
            req.setUrn(`urn:pulumi:test::flux-push::${type}::${name}`);
            req.setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]));
            const res = await call<provproto.CreateRequest, provproto.CreateResponse>(client.create, req);
            return { id: res.getId(), properties: (res.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown> };
        },
        async delete(type, name, id, properties) {
            const req = new provproto.DeleteRequest();
            req.setId(id);
            req.setUrn(`urn:pulumi:test::flux-push::${type}::${name}`);
            req.setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]));
            await call(client.delete, req);
        },
        stderr: () => stderr,
        async stop() {
            client.close();
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.once("exit", r));
                child.kill();
                await exited;
            }
        },
    };
}
