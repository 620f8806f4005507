// The analyzer proxy the real Node language host puts in front of a policy pack
// (sdk/v3 policy_proxy.go, v3.274.1). The engine starts a policy pack through RunPlugin and talks
// to it as an Analyzer; but @pulumi/policy reads the stack's project, stack name and config from
// its environment at start, before the engine could call ConfigureStack. So the host serves an
// Analyzer of its own first, prints that port, waits for ConfigureStack, then starts the pack with
// that configuration in its environment and forwards every later call to it.
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";

type Config = analyzerproto.AnalyzerStackConfigureRequest | null;
type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type GenericClient = grpc.Client & Record<string, (req: unknown, cb: Callback) => void>;

/** A promise settled once, from outside (promise.CompletionSource). */
class Completion<T> {
    readonly promise: Promise<T>;
    private settled = false;
    private resolveFn!: (v: T) => void;
    private rejectFn!: (e: Error) => void;
    constructor() {
        this.promise = new Promise<T>((resolve, reject) => {
            this.resolveFn = resolve;
            this.rejectFn = reject;
        });
        // Nobody may be waiting when it is rejected.
        this.promise.catch(() => undefined);
    }
    get done(): boolean {
        return this.settled;
    }
    fulfill(v: T): void {
        if (this.settled) return;
        this.settled = true;
        this.resolveFn(v);
    }
    reject(e: Error): void {
        if (this.settled) return;
        this.settled = true;
        this.rejectFn(e);
    }
}

const AnalyzerClient = grpc.makeGenericClientConstructor(analyzerrpc.AnalyzerService as unknown as grpc.ServiceDefinition, "Analyzer");

export class PolicyProxy {
    private readonly config = new Completion<Config>();
    private configValue: Config | undefined;
    private readonly client = new Completion<GenericClient>();
    private packClient: GenericClient | undefined;

    private constructor(private readonly server: grpc.Server, readonly port: number) {}

    static async start(): Promise<PolicyProxy> {
        const server = new grpc.Server();
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
        const proxy = new PolicyProxy(server, port);
        const impl: grpc.UntypedServiceImplementation = {};
        for (const method of Object.keys(analyzerrpc.AnalyzerService)) {
            impl[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: Callback) => proxy.forward(method, call.request, callback);
        }
        impl.handshake = (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: Callback) => callback(null, new analyzerproto.AnalyzerHandshakeResponse());
        impl.configureStack = (call: grpc.ServerUnaryCall<analyzerproto.AnalyzerStackConfigureRequest, unknown>, callback: Callback) => {
            proxy.setConfig(call.request);
            callback(null, new analyzerproto.AnalyzerStackConfigureResponse());
        };
        server.addService(analyzerrpc.AnalyzerService as unknown as grpc.ServiceDefinition, impl);
        return proxy;
    }

    private setConfig(c: Config): void {
        if (this.config.done) return;
        this.configValue = c;
        this.config.fulfill(c);
    }

    /** The stack's configuration, or null if the engine called anything else first (`policy publish`). */
    awaitConfiguration(): Promise<Config> {
        return this.config.promise;
    }

    private async forward(method: string, request: unknown, callback: Callback): Promise<void> {
        // The engine sometimes calls other methods before ConfigureStack: then there is no configuration.
        this.setConfig(null);
        let client: GenericClient;
        try {
            client = await this.client.promise;
        } catch (err) {
            callback({ code: grpc.status.UNKNOWN, details: `policy pack not started: ${(err as Error).message}`, message: "", name: "", metadata: new grpc.Metadata() });
            return;
        }
        client[method](request, callback);
    }

    /**
     * Reads the pack's port (its first line of stdout), connects, hands it the configuration the
     * engine sent, and from then on forwards. Returns the rest of the pack's stdout to the caller.
     */
    async attach(firstLine: Promise<string>): Promise<void> {
        let port: number;
        try {
            const line = await firstLine;
            port = Number.parseInt(line.trim(), 10);
            if (!Number.isInteger(port)) throw new Error(`expected integer, got ${JSON.stringify(line)}`);
        } catch (err) {
            const e = new Error(`could not read policy pack port: ${(err as Error).message}`);
            this.client.reject(e);
            throw e;
        }
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as GenericClient;
        this.packClient = client;
        if (this.config.done) {
            const request = this.configValue ?? new analyzerproto.AnalyzerStackConfigureRequest();
            try {
                await new Promise<void>((resolve, reject) => client.configureStack(request, (err) => (err ? reject(err) : resolve())));
            } catch (err) {
                // Older policy packs do not implement ConfigureStack: that is fine.
                if ((err as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) {
                    const e = new Error(`policy pack configuration failed: ${(err as Error).message}`);
                    this.client.reject(e);
                    throw e;
                }
            }
        }
        this.client.fulfill(client);
    }

    abort(err: Error): void {
        this.client.reject(new Error(`policy pack failed to start: ${err.message}`));
    }

    close(): void {
        this.packClient?.close();
        this.server.forceShutdown();
    }
}
