// Serves a Node provider with @pulumi/pulumi/provider's `main`, and hands the provider its
// configuration. The SDK's server answers the engine's Configure without passing the request on
// (provider/server.js `configure` only sets acceptSecrets/acceptResources/acceptOutputs, and the
// `Provider` interface has no configure method), so `github:owner` and friends would never reach
// the provider. The SDK registers its server object with @grpc/grpc-js's `Server.addService`; we
// wrap that one object's `configure` handler to read the request first, then let the SDK answer.
import * as grpc from "@grpc/grpc-js";
import * as provider from "@pulumi/pulumi/provider";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { ConfigureRequest } from "@pulumi/pulumi/proto/provider_pb";
import { plain } from "./wire";

/** Provider configuration by its schema name (`owner`, `baseUrl`, `token`), secrets unwrapped. */
export type ProviderConfig = Record<string, unknown>;

/**
 * The configuration in a Configure request: `args` (the checked inputs, as the engine sends them
 * now) over `variables` (the older "pkg:config:name" map of strings, still sent alongside).
 */
export function configFromRequest(req: ConfigureRequest): ProviderConfig {
    const config: ProviderConfig = {};
    req.getVariablesMap().forEach((value: string, key: string) => {
        const name = /^[^:]+:(?:config:)?(.+)$/.exec(key)?.[1] ?? key;
        config[name] = value;
    });
    const args = req.getArgs()?.toJavaScript() ?? {};
    return { ...config, ...(plain(args) as ProviderConfig) };
}

type Handler = (call: { request: ConfigureRequest }, callback: (err: Error | null, value?: unknown) => void) => void;

/** `onConfigure` may be async (a GitHub App's token minted at Configure): the SDK answers once it settles; a rejection refuses Configure. */
export async function serve(p: provider.Provider, args: string[], onConfigure: (config: ProviderConfig) => void | Promise<void>): Promise<void> {
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (this: grpc.Server, service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
        if (service === (provrpc.ResourceProviderService as unknown as grpc.ServiceDefinition)) {
            const sdk = implementation as unknown as { configure: Handler };
            const answer = sdk.configure.bind(implementation);
            sdk.configure = (call, callback) => {
                let pending: void | Promise<void>;
                try {
                    pending = onConfigure(configFromRequest(call.request));
                } catch (err) {
                    callback(err as Error);
                    return;
                }
                Promise.resolve(pending).then(() => answer(call, callback), (err: Error) => callback(err));
            };
        }
        return addService.call(this, service, implementation);
    };
    try {
        await provider.main(p, args);
    } finally {
        grpc.Server.prototype.addService = addService;
    }
}
