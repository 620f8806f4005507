// The whole stack as one function: `index.ts` calls it for `pulumi up`, and the sandbox calls the
// very same function through the Automation API's inline programs.
import * as pulumi from "@pulumi/pulumi";
import { GitSource } from "./components/gitSource";
import { PushReceiver } from "./components/pushReceiver";
import { ExposureDetails, ReceiverExposure } from "./components/receiverExposure";
import { WebhookToken } from "./components/webhookToken";
import { ConfigKeys, formatProblems, RawConfig, StackConfig, validateConfig } from "./lib/config";

export interface RepositoryOutputs {
    readonly gitRepository: pulumi.Output<string>;
    readonly kustomizations: pulumi.Output<string[]>;
    readonly receiver: pulumi.Output<string>;
    /** Secret: derived from the token. */
    readonly webhookPath: pulumi.Output<string>;
    /** Secret: derived from the token. */
    readonly payloadUrl: pulumi.Output<string>;
    readonly webhookId: pulumi.Output<string>;
}

export interface FluxPushOutputs {
    readonly namespace: string;
    readonly tokenSecret: pulumi.Output<string>;
    readonly exposure: pulumi.Output<ExposureDetails>;
    readonly repositories: Readonly<Record<string, RepositoryOutputs>>;
}

/** The project's config keys as the CLI hands them to the program (defaults from Pulumi.yaml applied). */
export function readRawConfig(config: pulumi.Config = new pulumi.Config()): RawConfig {
    const raw: Partial<Record<(typeof ConfigKeys)[number], string>> = {};
    for (const k of ConfigKeys) {
        const v = config.get(k);
        if (v !== undefined) raw[k] = v;
    }
    return raw;
}

/** Validates the config, all problems at once, and throws before any resource is registered. */
export function loadConfig(raw: RawConfig = readRawConfig()): StackConfig {
    const result = validateConfig(raw);
    if (!result.ok) {
        // RunError: Pulumi prints the message alone, without a stack trace.
        throw new pulumi.RunError(formatProblems(result.problems));
    }
    return result.config;
}

export function fluxPushReconciliation(raw: RawConfig = readRawConfig()): FluxPushOutputs {
    const config = loadConfig(raw);
    const { namespace } = config;

    const token = new WebhookToken("webhook-token", { namespace, length: config.token.length, rotation: config.token.rotation });
    const exposure = new ReceiverExposure("webhook-receiver", { namespace, exposure: config.exposure });

    const repositories: Record<string, RepositoryOutputs> = {};
    for (const repository of config.repositories) {
        const source = new GitSource(repository.name, { namespace, repository });
        const receiver = new PushReceiver(repository.name, {
            namespace,
            receiverName: repository.name,
            gitRepositoryName: source.gitRepositoryName,
            githubRepository: repository.githubRepository,
            token: token.token,
            secretName: token.secretName,
            baseUrl: exposure.baseUrl,
            insecureSsl: config.insecureSsl,
        });
        repositories[repository.name] = {
            gitRepository: source.gitRepositoryName,
            kustomizations: source.kustomizationNames,
            receiver: receiver.receiverName,
            webhookPath: receiver.webhookPath,
            payloadUrl: receiver.payloadUrl,
            webhookId: receiver.webhookId,
        };
    }
    return { namespace, tokenSecret: token.secretName, exposure: exposure.details, repositories };
}
