import { machineState } from "./state";

/** jest globalSetup of the e2e suite: the machine as the tests find it (read again by check-after.ts). */
export default function checkBefore(): void {
    (globalThis as { dsenvMachineBefore?: unknown }).dsenvMachineBefore = machineState();
}
