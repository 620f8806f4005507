// Serves a Node provider with @pulumi/pulumi/provider's `main`, and hands Configure's request to
// the provider. The SDK's server answers the engine's Configure without passing the request on
// (provider/server.js `configure` only says it accepts secrets, resources and outputs, and the
// `Provider` interface has no configure method), so a provider configured by its inputs (the
// plugin's GitHub credentials, resources/pluginProvider.ts) would never see them. The SDK
// registers its server object with @grpc/grpc-js's `Server.addService`: that one object's
// `configure` handler is wrapped to read the request first, then the SDK answers. The gRPC module
// is resolved from the SDK's own location, so it is the instance the SDK uses; if its shape ever
// changes, serving fails at once instead of running a provider without its configuration.
// The sandbox's stand-in providers are served the same way (sandbox/standins/serve.ts, compiled apart).
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import type { ConfigureRequest } from "@pulumi/pulumi/proto/provider_pb";

type Handler = (call: { request: ConfigureRequest }, callback: (err: Error | null, value?: unknown) => void) => void;
interface GrpcServerClass { prototype: { addService(service: unknown, implementation: Record<string, unknown>): void } }

function sdkModule<T>(id: string): T {
    const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve(id, { paths: [sdkDir] })) as T;
}

/** Serves `p` as `provider.main` does; `onConfigure` sees each Configure request before the SDK answers it (a throw refuses it). */
export async function serveProvider(p: provider.Provider, args: string[], onConfigure: (req: ConfigureRequest) => void): Promise<void> {
    const server = sdkModule<{ Server?: GrpcServerClass }>("@grpc/grpc-js").Server;
    const { ResourceProviderService } = sdkModule<{ ResourceProviderService?: unknown }>("@pulumi/pulumi/proto/provider_grpc_pb");
    if (!server || typeof server.prototype.addService !== "function" || !ResourceProviderService) {
        throw new Error("@pulumi/pulumi's gRPC server is not shaped as expected (@grpc/grpc-js Server.addService, ResourceProviderService): the provider could not read its configuration");
    }
    const addService = server.prototype.addService;
    server.prototype.addService = function (this: unknown, service: unknown, implementation: Record<string, unknown>) {
        if (service === ResourceProviderService) {
            if (typeof implementation.configure !== "function") throw new Error("@pulumi/pulumi's provider server has no configure handler to wrap");
            const answer = (implementation.configure as Handler).bind(implementation);
            const configure: Handler = (call, callback) => {
                try {
                    onConfigure(call.request);
                } catch (err) {
                    callback(err as Error);
                    return;
                }
                answer(call, callback);
            };
            implementation.configure = configure;
        }
        return addService.call(this, service, implementation);
    };
    try {
        await provider.main(p, args);
    } finally {
        server.prototype.addService = addService;
    }
}
