import { differences, MachineState, machineState } from "./state";

/**
 * jest globalTeardown of the e2e suite: what the tests changed on this
 * machine, printed here and counted as a failed test by report.js (a
 * teardown that threw would stop jest before it wrote its results).
 */
export default function checkAfter(): void {
    const shared = globalThis as { dsenvMachineBefore?: MachineState; dsenvMachineChanges?: string[] };
    if (!shared.dsenvMachineBefore)
        throw new Error("the e2e suite's machine check found no state from before the tests (jest ran no globalSetup)");
    const found = differences(shared.dsenvMachineBefore, machineState());
    shared.dsenvMachineChanges = found;
    if (found.length > 0)
        process.stderr.write(
            `\ne2e: FAILED: the tests changed this machine (what a test makes belongs in a namespace of its own, and is removed):\n  ${found.join("\n  ")}\n`,
        );
    else
        process.stderr.write(
            "\ne2e: the machine is as the tests found it (interfaces, namespaces, iptables rules, cgroups, the engine's containers, networks and volumes, ~/.docker, ~/.pulumi)\n",
        );
}
