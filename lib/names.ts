// Names of the objects that carry the token. Each token generation gets its own Secret and
// Receiver, so a rotation can create the new pair beside the old one and move GitHub's hook only
// once the new path is served (the old pair keeps answering until then; see docs/rotation.md#how-a-rotation-loses-no-delivery).
import { createHash } from "crypto";

/** The Secret name the guide and Flux's docs use; each generation adds its suffix. */
export const WebhookTokenSecretBaseName = "webhook-token";
/** Hex characters of the generation suffix: 40 bits, so two generations never share a name. */
export const GenerationLength = 10;

/**
 * A short, stable label of a token: the first 40 bits of a hash of it (not secret: a 256-bit
 * random token cannot be recovered or narrowed from them). It changes whenever the token does,
 * whatever changed it (tokenRotation, tokenLength).
 */
export function tokenGeneration(token: string): string {
    return createHash("sha256").update(`flux-push webhook-token generation:${token}`).digest("hex").slice(0, GenerationLength);
}

/** `webhook-token-<generation>`. */
export function tokenSecretName(generation: string): string {
    return `${WebhookTokenSecretBaseName}-${generation}`;
}

/** `<repository name>-<generation>`: the Receiver of that repository for that token. */
export function receiverName(repositoryName: string, generation: string): string {
    return `${repositoryName}-${generation}`;
}

/** Longest repository name whose Receiver name stays a valid object name (253). */
export const MaxRepositoryNameLength = 253 - 1 - GenerationLength;
