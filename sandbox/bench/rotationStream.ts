// Benchmark (issue 10.2): token rotation under a steady stream of pushes (one every 250 ms through
// the GitHub stand-in) while one `up` rotates the token, ROTATIONS times on one sandbox. Prints the
// deliveries that did not get 200 and the seconds from the stream's end until its last commit is
// applied. Asserts nothing. (The "before" row of docs/rotation.md#how-a-rotation-loses-no-delivery ran this loop on the earlier main.)
import * as path from "path";
import { startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { Clone } from "../standins/gitServer";
import { RotationHeader, rotateUnderStream, rotationRow } from "./rotation";
import { table } from "./stats";

const rotations = Number(process.env.ROTATIONS ?? 3);

async function main(): Promise<void> {
    const sb = await startSandbox({ quiet: true });
    try {
        const s = await sandboxStack(sb, "rotation", sandboxConfig(sb));
        sb.beforeStop(async () => void (await s.stack.destroy()));
        await s.stack.up();
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
        const rows: string[][] = [];
        for (let r = 1; r <= rotations; r++) rows.push(rotationRow(String(r), await rotateUnderStream(sb, s, clone, `bench-rotation-${r}`)));
        console.log("\ntoken rotation under a stream of pushes (one every 250 ms)\n");
        console.log(table(RotationHeader, rows));
    } finally {
        await sb.stop();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
});
